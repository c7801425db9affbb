// Runs a parity case written by onnx_export.save_parity_case through onnxruntime-node and reports the
// largest absolute difference to the PyTorch output. Usage: node onnx-parity.mjs model.onnx caseDir [float32|float16]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [onnxPath, caseDir, inputDtype = 'float32'] = process.argv.slice(2);
const shapes = JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8'));
const raw = (name) => {
  const b = readFileSync(join(caseDir, name));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const x32 = new Float32Array(raw('x.bin'));
const t = new BigInt64Array(raw('t.bin'));
const expected = new Float32Array(raw('out.bin'));

// onnxruntime-node takes float16 data as Uint16Array bit patterns. Where Node has Float16Array
// (24), onnxruntime-common wraps those bits in one, which the binding cannot read, and returns
// float16 outputs as Float16Array values (src/enhance/onnx-session.ts, float16Tensor).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toHalf(v) {
  f32[0] = v;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  const man = b & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00 | (((b >>> 23) & 0xff) === 0xff && man ? 0x200 : 0);
  if (exp <= 0) return sign | Math.min(0x3ff, Math.round(Math.abs(v) / 2 ** -24));
  const rounded = (exp << 10) + (man >>> 13) + (((man & 0x1fff) > 0x1000 || ((man & 0x1fff) === 0x1000 && (man >>> 13) & 1)) ? 1 : 0);
  return sign | rounded;
}
function fromHalf(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

const session = await ort.InferenceSession.create(onnxPath, { executionProviders: ['cpu'] });
function float16Tensor(values, dims) {
  const bits = Uint16Array.from(values, toHalf);
  const tensor = new ort.Tensor('float16', bits, dims);
  if (!(tensor.data instanceof Uint16Array)) tensor.cpuData = bits;
  return tensor;
}
const x = inputDtype === 'float16' ? float16Tensor(x32, shapes.x) : new ort.Tensor('float32', x32, shapes.x);
const started = Date.now();
const result = await session.run({ x, t: new ort.Tensor('int64', t, [shapes.x[0]]) });
const ms = Date.now() - started;
const out = result[session.outputNames[0]];
const got = out.type !== 'float16' ? out.data : out.data instanceof Uint16Array ? Float32Array.from(out.data, fromHalf) : Float32Array.from(out.data);
let maxAbs = 0;
let maxRef = 0;
for (let i = 0; i < expected.length; i++) {
  maxAbs = Math.max(maxAbs, Math.abs(got[i] - expected[i]));
  maxRef = Math.max(maxRef, Math.abs(expected[i]));
}
const finite = got.every(Number.isFinite);
console.log(JSON.stringify({
  inputNames: session.inputNames, outputNames: session.outputNames, outputType: out.type,
  outputDims: out.dims, expectedDims: shapes.out, maxAbsDiff: maxAbs, maxAbsReference: maxRef, finite, runMs: ms,
}));
