import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { float16Tensor, float16Values } from '../../src/enhance/onnx-session.js';
import { requireTorch, runPython } from './python-torch.js';

// A reduced-width ADM (num_channels 32, 8 channels per head; same depth, resolutions, attention and
// key layout as ADM-256) with random weights goes through the site's export command end to end.
const WIDTH = ['--width', '32', '--head-channels', '8'];

const SAVE_CHECKPOINTS = `
import sys, torch
sys.path.insert(0, "model")
from adm.adm_unet import ADMUNet, ADM256_UNCOND
torch.manual_seed(5)
m = ADMUNet(**dict(ADM256_UNCOND, model_channels=32, num_head_channels=8))
state = m.state_dict()
torch.save(state, sys.argv[1] + "/good.pt")
del state["middle_block.1.qkv.weight"]
torch.save(state, sys.argv[1] + "/bad.pt")
`;

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('ADM exporter (model/adm/export.py), reduced width, random weights', () => {
  beforeAll(() => {
    requireTorch();
  });

  let dir = '';
  let report: Record<string, Record<string, unknown>> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'adm-export-'));
    runPython(['-c', SAVE_CHECKPOINTS, dir], 120_000);
    const stdout = runPython(
      ['model/adm/export.py', '--checkpoint', join(dir, 'good.pt'), ...WIDTH, '--parity-size', '64', '--threads', '2',
        '--fp32-io', '--out', dir, '--case-out', join(dir, 'case')],
      300_000,
    );
    report = JSON.parse(stdout.trim().split('\n').pop()!) as typeof report;
  }, 360_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a checkpoint whose keys do not match, naming the key', () => {
    expect(() => runPython(['model/adm/export.py', '--checkpoint', join(dir, 'bad.pt'), ...WIDTH, '--out', dir], 120_000))
      .toThrow(/1 missing \['middle_block\.1\.qkv\.weight'\]/);
  });

  it('writes manifests that the engine accepts (hash, contract fields)', async () => {
    const fp32 = await loadManifest(join(dir, 'adm-w32-fp32', 'manifest.yaml'));
    const fp16 = await loadManifest(join(dir, 'adm-w32-fp16', 'manifest.yaml'));
    expect(fp32.manifest).toMatchObject({ output: 'epsilon+variance', dtype: 'float32', timestepDtype: 'int64', outputName: 'out' });
    expect(fp16.manifest).toMatchObject({ output: 'epsilon+variance', dtype: 'float16', outputName: 'out' });
    expect(fp32.manifest.schedule).toEqual({ kind: 'linear', timesteps: 1000, betaStart: 0.0001, betaEnd: 0.02 });
    expect(report['adm-w32-fp32']!.dataFile).toBe('adm-w32-fp32.onnx.data');
  });

  it('float32 ONNX in onnxruntime-node matches PyTorch within 1e-4', async () => {
    const shapes = JSON.parse(readFileSync(join(dir, 'case', 'case.json'), 'utf8')) as { x: number[]; out: number[] };
    const x = readF32(join(dir, 'case', 'x.bin'));
    const tb = readFileSync(join(dir, 'case', 't.bin'));
    const t = new BigInt64Array(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.byteLength));
    const expected = readF32(join(dir, 'case', 'out.bin'));
    const session = await ort.InferenceSession.create(join(dir, 'adm-w32-fp32', 'adm-w32-fp32.onnx'));
    expect(session.inputNames).toEqual(['x', 't']);
    expect(session.outputNames).toEqual(['out']);
    const res = await session.run({ x: new ort.Tensor('float32', x, shapes.x), t: new ort.Tensor('int64', t, [shapes.x[0]!]) });
    const out = res.out!;
    expect(out.dims).toEqual([1, 6, 64, 64]);
    expect(maxAbsDiff(out.data as Float32Array, expected)).toBeLessThan(1e-4);
    // Dynamic batch and size (ADM has five 2x downsamplings: H and W multiples of 32).
    const x2 = new Float32Array(2 * 3 * 32 * 64).map((_, i) => Math.sin(i * 0.37));
    const res2 = await session.run({ x: new ort.Tensor('float32', x2, [2, 3, 32, 64]), t: new ort.Tensor('int64', BigInt64Array.from([10n, 900n]), [2]) });
    expect(res2.out!.dims).toEqual([2, 6, 32, 64]);
  });

  it('float16 ONNX runs (float16 in and out) and stays close to PyTorch', async () => {
    const shapes = JSON.parse(readFileSync(join(dir, 'case', 'case.json'), 'utf8')) as { x: number[] };
    const x = readF32(join(dir, 'case', 'x.bin'));
    const tb = readFileSync(join(dir, 'case', 't.bin'));
    const t = new BigInt64Array(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.byteLength));
    const expected = readF32(join(dir, 'case', 'out.bin'));
    const session = await ort.InferenceSession.create(join(dir, 'adm-w32-fp16', 'adm-w32-fp16.onnx'));
    const res = await session.run({ x: float16Tensor(x, shapes.x), t: new ort.Tensor('int64', t, [1]) });
    expect(res.out!.type).toBe('float16');
    const got = float16Values(res.out!.data);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(got, expected)).toBeLessThan(2e-2);
    expect(report['adm-w32-fp16']!.maxAbsDiff as number).toBeLessThan(2e-2);
  });

  it('float16 body with float32 input and output (--fp32-io): the engine feeds float32, the head stays float32', async () => {
    const loaded = await loadManifest(join(dir, 'adm-w32-fp16-io32', 'manifest.yaml'));
    expect(loaded.manifest).toMatchObject({ id: 'adm-w32-fp16-io32', dtype: 'float32', output: 'epsilon+variance' });
    const shapes = JSON.parse(readFileSync(join(dir, 'case', 'case.json'), 'utf8')) as { x: number[] };
    const tb = readFileSync(join(dir, 'case', 't.bin'));
    const t = new BigInt64Array(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.byteLength));
    const session = await ort.InferenceSession.create(loaded.modelPath);
    const res = await session.run({ x: new ort.Tensor('float32', readF32(join(dir, 'case', 'x.bin')), shapes.x), t: new ort.Tensor('int64', t, [1]) });
    expect(res.out!.type).toBe('float32');
    const got = res.out!.data as Float32Array;
    expect(got.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(got, readF32(join(dir, 'case', 'out.bin')))).toBeLessThan(2e-2);
    expect(report['adm-w32-fp16-io32']!.fp16Nodes as number).toBeLessThan(report['adm-w32-fp16']!.fp16Nodes as number);
  });

  it('casts a float16 output back to float32 when the graph keeps float32 I/O', async () => {
    const cast = join(dir, 'cast.onnx');
    const script = `import sys, json; sys.path.insert(0, 'model')
from common.onnx_fp16 import convert_to_fp16
from adm.export import fp16_region
print(json.dumps(convert_to_fp16(sys.argv[1], sys.argv[2], fp16_region, io_fp16=False)))`;
    const info = JSON.parse(runPython(['-c', script, join(dir, 'adm-w32-fp32', 'adm-w32-fp32.onnx'), cast], 120_000).trim().split('\n').pop()!) as { castsInserted: number };
    // one Cast more at the float32 input x, one at the output
    expect(info.castsInserted).toBe((report['adm-w32-fp16']!.castsInserted as number) + 2);
    const session = await ort.InferenceSession.create(cast);
    const x = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i * 0.1));
    const res = await session.run({ x: new ort.Tensor('float32', x, [1, 3, 64, 64]), t: new ort.Tensor('int64', BigInt64Array.from([500n]), [1]) });
    expect(res.out!.type).toBe('float32');
    expect((res.out!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
