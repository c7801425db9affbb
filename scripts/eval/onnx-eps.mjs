// Runs a diffusion prior's ONNX file through onnxruntime-node for Python evaluation scripts (Debian
// has no onnxruntime for Python). Usage: node scripts/eval/onnx-eps.mjs model.onnx
// stdin, per request: one JSON line {"shape": [B, 3, H, W], "t": [t0, …, tB-1]}, then B·3·H·W float32
// (little-endian). stdout, per request: one JSON line {"shape": [...], "ms": run time}, then the
// output (ε) as float32 of the same shape. One session for the whole run.
import ort from 'onnxruntime-node';

const [onnxPath] = process.argv.slice(2);
if (!onnxPath) {
  process.stderr.write('usage: node onnx-eps.mjs model.onnx\n');
  process.exit(2);
}
const session = await ort.InferenceSession.create(onnxPath, { executionProviders: ['cpu'] });
const [xName, tName] = session.inputNames;

let pending = Buffer.alloc(0);
let header = null;
let busy = Promise.resolve();

function fail(e) {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
}

async function answer(head, body) {
  const count = head.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + 4 * count));
  const t = BigInt64Array.from(head.t.map((v) => BigInt(v)));
  const started = Date.now();
  const result = await session.run({ [xName]: new ort.Tensor('float32', x, head.shape), [tName]: new ort.Tensor('int64', t, [head.shape[0]]) });
  const out = result[session.outputNames[0]];
  const data = out.data;
  process.stdout.write(`${JSON.stringify({ shape: out.dims, ms: Date.now() - started })}\n`);
  process.stdout.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  for (;;) {
    if (!header) {
      const eol = pending.indexOf(0x0a);
      if (eol < 0) return;
      header = JSON.parse(pending.subarray(0, eol).toString('utf8'));
      pending = pending.subarray(eol + 1);
    }
    const need = 4 * header.shape.reduce((a, b) => a * b, 1);
    if (pending.length < need) return;
    const head = header;
    const body = Buffer.from(pending.subarray(0, need));
    pending = pending.subarray(need);
    header = null;
    busy = busy.then(() => answer(head, body)).catch(fail);
  }
});
process.stdin.on('end', () => {
  busy.then(() => process.exit(0));
});
