/**
 * Engine timing on CPU (a benchmark, not a test):
 *   npx tsx bench/engine.ts [manifest.yaml]        (also run by `npm run bench`)
 *   BENCH_FULL=1 adds the 300-slice series.
 * Every figure comes with a reference measured in the same run:
 * - slices of 256², 512², 1024² with the default preset: time per network step and per slice, and
 *   the share of wall time spent outside the model (reference: the time inside model calls;
 *   goal ≤ 5 %);
 * - model calls of 1–32 patches: onnxruntime-node against the same U-Net in eager PyTorch on the
 *   same threads (bench/reference/torch_forward.py, random weights, same shapes);
 * - series of 10 → 100 (300) slices: time per slice against the 10-slice series (linear = 1.0);
 * - the sampler step as a graph against the JavaScript step (EnhanceOptions.stepGraph), 256² and
 *   512², default preset and 25 network steps: time per slice and the JavaScript share of the
 *   sampler's time, both paths in the same run.
 * Writes bench/results/<date>-engine-<host>.md and .json, and <date>-step-graph-cpu.md and .json.
 * BENCH_ONLY=step-graph runs only the step graph comparison.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { EnhancementEngine } from '../src/enhance/engine.js';
import { loadManifest } from '../src/enhance/model-manifest.js';
import { ModelRegistry } from '../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../src/enhance/preset.js';
import { phantomGray } from '../test/enhance/quality-cases.js';

const manifestPath = resolve(process.argv[2] ?? 'model/embedded/manifest.yaml');
const { manifest } = await loadManifest(manifestPath);
const modelId = manifest.id;
const threads = availableParallelism();
const registry = await ModelRegistry.open([modelId], { modelsDir: '', manifestPaths: { [modelId]: manifestPath } });
if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
const engine = new EnhancementEngine(registry);
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: modelId };
const json: Record<string, unknown[]> = { slices: [], batches: [], scaling: [] };
const threadsLabel = `${hostname()}, ${cpus()[0]?.model ?? 'CPU'} × ${threads} threads, onnxruntime-node CPU EP`;

// --- 0. The sampler step: graph against JavaScript -----------------------------------------------
interface StepPathRow {
  label: string;
  path: 'javascript' | 'graph';
  steps: number;
  msPerSlice: number;
  modelMs: number;
  stepGraphMs: number;
  /** Sampler time outside the model and the step graph: the JavaScript the loop itself runs. */
  samplerJsMs: number;
  samplerMs: number;
  outsideModelShare: number;
}
async function timeStepPath(label: string, image: ReturnType<typeof phantomGray>, p: EnhancePreset, path: StepPathRow['path']): Promise<StepPathRow> {
  const t0 = performance.now();
  const [r] = await engine.enhanceSeries([image], p, { quality: false, stepGraph: path === 'graph' });
  const wall = performance.now() - t0;
  const t = r!.timings;
  const samplerMs = t.totalMs - t.prepareMs - t.finishMs;
  const samplerJsMs = samplerMs - t.modelMs - t.stepGraphMs;
  const row = { label, path, steps: r!.steps, msPerSlice: wall, modelMs: t.modelMs, stepGraphMs: t.stepGraphMs, samplerJsMs, samplerMs, outsideModelShare: (wall - t.modelMs) / wall };
  console.log(
    `${label} ${path.padEnd(10)} ${wall.toFixed(0)} ms/slice; model ${t.modelMs.toFixed(0)} ms, step graph ${t.stepGraphMs.toFixed(0)} ms, sampler JavaScript ${samplerJsMs.toFixed(0)} ms (${((100 * samplerJsMs) / samplerMs).toFixed(1)} % of the sampler)`,
  );
  return row;
}
async function compareStepPaths(): Promise<void> {
  const rows: StepPathRow[] = [];
  const twentyFive: EnhancePreset = { ...preset, steps: 25, startStep: null };
  for (const size of [256, 512]) {
    const image = phantomGray(size, 0.4, 1);
    // Warm-up of both paths at this size (the graph session of the geometry opens here).
    for (const path of ['javascript', 'graph'] as const) await timeStepPath(`${size}² warm-up`, image, preset, path);
    for (const [name, p] of [
      [`${size}² default`, preset],
      [`${size}² 25 network steps`, twentyFive],
    ] as const) {
      for (const path of ['javascript', 'graph'] as const) rows.push(await timeStepPath(name, image, p, path));
    }
  }
  const md = rows.map(
    (r) =>
      `| ${r.label} | ${r.path} | ${r.steps} | ${r.msPerSlice.toFixed(0)} | ${r.modelMs.toFixed(0)} | ${r.stepGraphMs.toFixed(0)} | ${r.samplerJsMs.toFixed(0)} | ${(r.samplerJsMs / r.steps).toFixed(1)} | ${((r.samplerJsMs + r.stepGraphMs) / r.steps).toFixed(1)} | ${((100 * r.samplerJsMs) / r.samplerMs).toFixed(1)} % | ${(100 * r.outsideModelShare).toFixed(1)} % |`,
  );
  const date = new Date().toISOString().slice(0, 10);
  const stem = join('bench', 'results', `${date}-step-graph-cpu`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(`${stem}.json`, JSON.stringify({ date, device: threadsLabel, model: modelId, loadAverage: loadavg(), rows }, null, 2));
  writeFileSync(
    `${stem}.md`,
    [
      `# The sampler step as a graph against the JavaScript step, CPU — ${date}`,
      '',
      `Device: ${threadsLabel}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
      `Model: ${manifestPath} (${modelId}). Phantom slice (test/enhance/quality-cases.ts phantomGray), one run per path after a warm-up of both.`,
      'Sampler JavaScript = the sampler\'s wall time less the model calls and the step graph runs (scheduling, seeded noise, batch assembly, output checks; on the JavaScript path also x̂0, guidance, posterior, overlap averaging and noise injection).',
      '',
      '| case | step | network steps | ms / slice | model ms | step graph ms | sampler JavaScript ms | JavaScript ms / step | step arithmetic ms / step (graph + JavaScript) | JavaScript share of the sampler | outside the model (of wall) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...md,
      '',
    ].join('\n'),
  );
  console.log(`wrote ${stem}.md`);
}
await compareStepPaths();
if (process.env.BENCH_ONLY === 'step-graph') {
  await registry.close();
  process.exit(0);
}

// --- 1. Slice sizes -------------------------------------------------------------------------
const sliceRows: string[] = [];
async function timeSlices(label: string, images: ReturnType<typeof phantomGray>[], p: EnhancePreset): Promise<number> {
  await engine.enhanceSeries(images.slice(0, 1), p, { quality: false }); // warm-up
  const t0 = performance.now();
  const rs = await engine.enhanceSeries(images, p, { quality: false });
  const wall = performance.now() - t0;
  const model = rs.reduce((s, r) => s + r.timings.modelMs, 0);
  const steps = rs[0]!.steps;
  const patches = rs.reduce((s, r) => s + r.timings.patchEvaluations, 0) / rs.length / steps;
  const row = { label, slices: images.length, steps, patchesPerStep: patches, msPerSlice: wall / images.length, msPerStep: wall / images.length / steps, modelMsPerSlice: model / images.length, outsideShare: (wall - model) / wall };
  json.slices!.push(row);
  sliceRows.push(
    `| ${label} | ${images.length} | ${steps} | ${patches.toFixed(0)} | ${row.msPerSlice.toFixed(0)} | ${row.msPerStep.toFixed(0)} | ${row.modelMsPerSlice.toFixed(0)} | ${(wall / model).toFixed(3)} | ${(row.outsideShare * 100).toFixed(1)} % |`,
  );
  console.log(`${label.padEnd(30)} ${row.msPerSlice.toFixed(0)} ms/slice, ${row.msPerStep.toFixed(0)} ms/step, outside the model ${(row.outsideShare * 100).toFixed(1)} %`);
  return row.msPerSlice;
}
await timeSlices(`256² default (${preset.steps} network steps below a noise-matched start ≤ t${preset.startStep})`, [phantomGray(256, 0.4, 1)], preset);
await timeSlices('512² default', [phantomGray(512, 0.4, 1)], preset);
await timeSlices('1024² default', [phantomGray(1024, 0.4, 1)], preset);
await timeSlices('4×256² series, batch 16', [0.2, 0.4, 0.6, 0.8].map((t) => phantomGray(256, t, 2)), preset);
await timeSlices('256² paper-like 10 steps from noise', [phantomGray(256, 0.4, 1)], { ...preset, steps: 10, startStep: null, startFromNoise: false, startGamma: false, backgroundProtection: false, contrastStretch: false, detailFromInput: false });

// --- 2. Patches per model call: onnxruntime-node against PyTorch ------------------------------
const ORT_BATCHES = [1, 2, 4, 8, 16, 32];
const TORCH_BATCHES = [1, 4, 16];
const p = manifest.patchSize;
const { predict } = registry.get(modelId).session;
const ortMs = new Map<number, number>();
for (const b of ORT_BATCHES) {
  const x = new Float32Array(b * 3 * p * p).map((_, i) => Math.sin(i) * 0.5);
  const t = new Array<number>(b).fill(300);
  await predict(x, b, p, p, t);
  const runs: number[] = [];
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    await predict(x, b, p, p, t);
    runs.push(performance.now() - t0);
  }
  ortMs.set(b, Math.min(...runs));
  console.log(`onnxruntime batch ${b}: ${ortMs.get(b)!.toFixed(0)} ms per call`);
}
await registry.close();
const torch = spawnSync('/usr/bin/python3', ['bench/reference/torch_forward.py', '--threads', String(threads), '--patch', String(p), '--batches', TORCH_BATCHES.join(','), '--repeats', '2'], { encoding: 'utf8' });
const torchMs: Record<string, number> = torch.status === 0 ? (JSON.parse(torch.stdout.trim().split('\n').pop()!) as { ms: Record<string, number> }).ms : {};
if (torch.status !== 0) console.error(`PyTorch reference unavailable: ${torch.stderr.trim().split('\n').pop()}`);
const batchRows = ORT_BATCHES.map((b) => {
  const ort = ortMs.get(b)!;
  const ref = torchMs[String(b)];
  json.batches!.push({ batch: b, ortMsPerCall: ort, ortMsPerPatch: ort / b, torchMsPerCall: ref ?? null, torchOverOrt: ref ? ref / ort : null });
  return `| ${b} | ${ort.toFixed(0)} | ${(ort / b).toFixed(0)} | ${ref ? ref.toFixed(0) : '—'} | ${ref ? (ref / ort).toFixed(2) + '×' : '—'} |`;
});

// --- 3. Series length ----------------------------------------------------------------------
const registry2 = await ModelRegistry.open([modelId], { modelsDir: '', manifestPaths: { [modelId]: manifestPath } });
const engine2 = new EnhancementEngine(registry2);
const lengths = process.env.BENCH_FULL ? [10, 30, 100, 300] : [10, 30, 100];
const scalingRows: string[] = [];
let base = 0;
for (const n of lengths) {
  const images = Array.from({ length: n }, (_, i) => phantomGray(128, 0.1 + (0.8 * i) / n, 3));
  await engine2.enhanceSeries(images.slice(0, 1), preset, { quality: false });
  const t0 = performance.now();
  // The pipeline hands the engine a series in batches of slices; 8 is its default.
  for (let i = 0; i < n; i += 8) await engine2.enhanceSeries(images.slice(i, i + 8), preset, { quality: false });
  const perSlice = (performance.now() - t0) / n;
  if (n === lengths[0]) base = perSlice;
  json.scaling!.push({ slices: n, msPerSlice: perSlice, againstTen: perSlice / base });
  scalingRows.push(`| ${n} | ${perSlice.toFixed(0)} | ${((perSlice * n) / 1000).toFixed(1)} | ${(perSlice / base).toFixed(2)} |`);
  console.log(`series of ${n}: ${perSlice.toFixed(0)} ms/slice (${(perSlice / base).toFixed(2)} of the 10-slice series)`);
}
await registry2.close();

const date = new Date().toISOString().slice(0, 10);
const stem = join('bench', 'results', `${date}-engine-${hostname()}`);
mkdirSync(join('bench', 'results'), { recursive: true });
const device = threadsLabel;
writeFileSync(`${stem}.json`, JSON.stringify({ date, device, model: modelId, loadAverage: loadavg(), ...json }, null, 2));
writeFileSync(
  `${stem}.md`,
  [
    `# Engine on CPU — ${date}`,
    '',
    `Device: ${device}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    `Model: ${manifestPath} (${modelId}, ${p}² patches).`,
    '',
    '## Slices (reference: time inside model calls, same run; goal: outside the model ≤ 5 %)',
    '',
    '| case | slices | network steps | patches / step | ms / slice | ms / step | model ms / slice | wall / model | outside the model |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...sliceRows,
    '',
    `## Patches per model call (reference: the same U-Net in eager PyTorch ${torch.status === 0 ? JSON.parse(torch.stdout.trim().split('\n').pop()!).torch : '(unavailable)'}, ${threads} threads, same run)`,
    '',
    '| patches | onnxruntime ms / call | ms / patch | PyTorch ms / call | PyTorch / onnxruntime |',
    '|---:|---:|---:|---:|---:|',
    ...batchRows,
    '',
    '## Series length (128² slices, default preset, batches of 8 slices; reference: the 10-slice series, same run)',
    '',
    '| slices | ms / slice | s total | against 10 slices (linear = 1.00) |',
    '|---:|---:|---:|---:|',
    ...scalingRows,
    '',
  ].join('\n'),
);
console.log(`wrote ${stem}.md`);
