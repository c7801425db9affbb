/**
 * The engine on a GPU: onnxruntime-node with the CUDA execution provider and ADM-256. Run on the
 * device machine by bench/gpu/device-run.sh (bundled by bench/gpu/pack-runtime.sh, since that machine
 * has no node_modules); it also runs on the CPU with a reduced-width ADM, which is how it is checked
 * here before a GPU run:
 *
 *   npx tsx bench/gpu/cuda-engine.ts --models dirA,dirB --engine-model dirB --case dir --out dir [--device cpu]
 *
 * For each model folder (manifest.yaml + .onnx): model calls of 1–32 256² patches through
 * session.run with tensors built once (the model and its host↔device copies), the parity case's
 * output (written for the PyTorch comparison in bench/reference/torch_adm_fp16.py), then slices
 * through the engine with the --engine-model: 512² at 25 network steps, the default preset, and a
 * series whose patches share model calls, each with the sampler step as a graph on the GPU and as
 * JavaScript (--step-paths graph,javascript; EnhanceOptions.stepGraph). Writes <out>/engine-gpu.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { fromFloat16Bits, toFloat16Bits } from '../../src/enhance/onnx-session.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { phantomGray } from '../../test/enhance/quality-cases.js';
import { median } from '../lib/ingest-report.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    'engine-model': { type: 'string' },
    case: { type: 'string' },
    out: { type: 'string' },
    device: { type: 'string', default: 'cuda' },
    batches: { type: 'string', default: '1,4,9,16,32' },
    /** Batches for the models other than --engine-model (fewer, to save device time). */
    'other-batches': { type: 'string', default: '9,32' },
    repeats: { type: 'string', default: '8' },
    'slice-size': { type: 'string', default: '512' },
    'series-slices': { type: 'string', default: '4' },
    /** Sampler step paths timed per engine case: the step graph on the device, the JavaScript reference. */
    'step-paths': { type: 'string', default: 'graph,javascript' },
  },
});
if (!args.models || !args.out || !args.case) throw new Error('--models, --case and --out are required');
const outDir = args.out;
const caseDir = args.case;
mkdirSync(outDir, { recursive: true });
const device = args.device === 'cpu' ? 'cpu' : 'cuda';
const batchesFor = (dir: string) => (dir === args['engine-model'] ? args.batches! : args['other-batches']!).split(',').map(Number);
const repeats = Number(args.repeats);
const report: Record<string, unknown> = { device, node: process.version, onnxruntime: ort.env.versions.common, models: [] as unknown[] };
const save = () => writeFileSync(join(outDir, 'engine-gpu.json'), JSON.stringify(report, null, 1));

function readCase(dir: string) {
  const raw = (name: string) => {
    const b = readFileSync(join(dir, name));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const shapes = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { x: number[] };
  return { x: new Float32Array(raw('x.bin')), t: new BigInt64Array(raw('t.bin')), dims: shapes.x };
}

function inputTensor(dtype: string, data: Float32Array, dims: number[]): ort.Tensor {
  return dtype === 'float16' ? new ort.Tensor('float16', toFloat16Bits(data), dims) : new ort.Tensor('float32', data, dims);
}

function outputAsFloat32(t: ort.Tensor): Float32Array {
  return t.type === 'float16' ? fromFloat16Bits(t.data as Uint16Array) : (t.data as Float32Array);
}

// --- 1. Model calls per variant ----------------------------------------------------------------
async function timeModelCalls(dir: string): Promise<void> {
  const { manifest, modelPath } = await loadManifest(join(dir, 'manifest.yaml'));
  const p = manifest.patchSize;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: [device], graphOptimizationLevel: 'all' });
  const entry: Record<string, unknown> = { id: manifest.id, dtype: manifest.dtype, openMs: performance.now() - t0, calls: [] as unknown[] };
  (report.models as unknown[]).push(entry);
  const c = readCase(caseDir);
  const caseOut = await session.run({ x: inputTensor(manifest.dtype, c.x, c.dims), t: new ort.Tensor('int64', c.t, [c.dims[0]!]) });
  const out = outputAsFloat32(caseOut[manifest.outputName] as ort.Tensor);
  writeFileSync(join(outDir, `parity-${manifest.id}.bin`), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  for (const b of batchesFor(dir)) {
    const x = new Float32Array(b * 3 * p * p).map((_, i) => Math.sin(i * 0.37) * 0.8);
    const feeds = { x: inputTensor(manifest.dtype, x, [b, 3, p, p]), t: new ort.Tensor('int64', BigInt64Array.from({ length: b }, (_, i) => BigInt(100 + 37 * i)), [b]) };
    const first = performance.now();
    await session.run(feeds);
    const firstMs = performance.now() - first;
    await session.run(feeds);
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const s = performance.now();
      await session.run(feeds);
      runs.push(performance.now() - s);
    }
    // The host conversions the engine's predict adds for float16 I/O models (none for float32 I/O).
    let conversionMs = 0;
    if (manifest.dtype === 'float16') {
      const s = performance.now();
      toFloat16Bits(x);
      fromFloat16Bits(new Uint16Array(b * 6 * p * p));
      conversionMs = performance.now() - s;
    }
    const row = { batch: b, firstCallMs: firstMs, medianMs: median(runs), minMs: Math.min(...runs), msPerPatch: median(runs) / b, hostConversionMs: conversionMs };
    (entry.calls as unknown[]).push(row);
    console.log(`${manifest.id} batch ${b}: ${row.medianMs.toFixed(1)} ms/call (${row.msPerPatch.toFixed(2)} ms/patch; first call ${firstMs.toFixed(0)} ms; host fp16 conversion ${conversionMs.toFixed(1)} ms)`);
    save();
  }
  await session.release();
}
for (const dir of args.models.split(',')) {
  try {
    await timeModelCalls(dir);
  } catch (err) {
    // One variant failing (export, provider, memory) must not cost the other measurements.
    (report.models as unknown[]).push({ folder: dir, error: (err as Error).message.slice(0, 2000) });
    console.error(`${dir}: ${(err as Error).message.slice(0, 2000)}`);
    save();
  }
}

// --- 2. Slices through the engine ------------------------------------------------------------
if (args['engine-model']) {
  const manifestPath = join(args['engine-model'], 'manifest.yaml');
  const { manifest } = await loadManifest(manifestPath);
  const t0 = performance.now();
  const registry = await ModelRegistry.open([manifest.id], { modelsDir: '', manifestPaths: { [manifest.id]: manifestPath }, devices: { [manifest.id]: device } });
  if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
  const model = registry.get(manifest.id);
  report.engine = { model: manifest.id, openMs: performance.now() - t0, device: model.device, fallbackReason: model.fallbackReason ?? null, slices: [] as unknown[] };
  console.log(`engine model ${manifest.id} on ${model.device}${model.fallbackReason ? ` (${model.fallbackReason})` : ''}`);
  if (model.device !== device) {
    save();
    throw new Error(`the engine model runs on ${model.device}, not ${device}: no slice timings`);
  }
  const engine = new EnhancementEngine(registry);
  const size = Number(args['slice-size']);
  const preset: EnhancePreset = { ...DEFAULT_PRESET, model: manifest.id };
  const twentyFive: EnhancePreset = { ...preset, steps: 25, startStep: null };
  const seriesLength = Number(args['series-slices']);
  const slice = (t: number, seed: number) => phantomGray(size, t, seed);
  const series = (n: number) => Array.from({ length: n }, (_, i) => slice(0.2 + (0.6 * i) / n, 2));
  const cases: Array<{ label: string; images: ReturnType<typeof phantomGray>[]; preset: EnhancePreset }> = [
    { label: `${size}² default preset`, images: [slice(0.4, 1)], preset },
    { label: `${size}² 25 network steps, 9 patches per call`, images: [slice(0.4, 1)], preset: twentyFive },
    { label: `${seriesLength}×${size}² series, 25 steps, 18 patches per call`, images: series(seriesLength), preset: { ...twentyFive, batchSize: 18 } },
    { label: `${2 * seriesLength}×${size}² series, default preset (batch ${preset.batchSize}: calls of 9 + 9)`, images: series(2 * seriesLength), preset },
  ];
  const paths = args['step-paths']!.split(',').map((p) => {
    if (p !== 'graph' && p !== 'javascript') throw new Error(`--step-paths: ${p} is neither graph nor javascript`);
    return p;
  });
  // Warm-up: algorithm search for these shapes, and the step graph's session for this geometry.
  for (const path of paths) await engine.enhanceSeries(cases[0]!.images, preset, { quality: false, stepGraph: path === 'graph' });
  for (const k of cases) for (const path of paths) {
    const s = performance.now();
    const rs = await engine.enhanceSeries(k.images, k.preset, { quality: false, stepGraph: path === 'graph' });
    const wall = performance.now() - s;
    const modelMs = rs.reduce((a, r) => a + r.timings.modelMs, 0);
    const stepGraphMs = rs.reduce((a, r) => a + r.timings.stepGraphMs, 0);
    // With groups in flight together, a call's wall time includes its wait behind the other group's
    // call: the share outside the model is only meaningful for one group.
    const patches = rs.reduce((a, r) => a + r.timings.patchEvaluations, 0);
    const label = `${k.label}, ${path === 'graph' ? 'step graph' : 'JavaScript step'}`;
    const row = { label, stepPath: path, stepGraphMsPerSlice: stepGraphMs / k.images.length, slices: k.images.length, networkSteps: rs[0]!.steps, patchEvaluations: patches, msPerSlice: wall / k.images.length, modelMsPerSlice: modelMs / k.images.length, outsideShare: k.images.length === 1 ? (wall - modelMs) / wall : null };
    (report.engine as { slices: unknown[] }).slices.push(row);
    console.log(`${label}: ${row.msPerSlice.toFixed(0)} ms/slice (${row.networkSteps} network steps, ${patches.toFixed(0)} patch evaluations, step graph ${row.stepGraphMsPerSlice.toFixed(0)} ms)${row.outsideShare === null ? '' : `, outside the model ${(row.outsideShare * 100).toFixed(1)} %`}`);
    save();
  }
  await registry.close();
}
save();
console.log(`wrote ${join(outDir, 'engine-gpu.json')}`);
