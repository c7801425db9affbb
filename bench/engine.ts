/**
 * Engine timing on CPU (a benchmark, not a test):
 *   npx tsx bench/engine.ts [manifest.yaml]        (also run by `npm run bench`)
 * Default preset on 256² and 512² slices and a 4-slice 256² series: time per network step, per
 * slice, and the share of wall time spent outside the model — the model time, measured in the
 * same run, is the reference (goal: outside the model ≤ 5 % of wall time). Writes
 * bench/results/<date>-engine-<host>.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { EnhancementEngine } from '../src/enhance/engine.js';
import { loadManifest } from '../src/enhance/model-manifest.js';
import { ModelRegistry } from '../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../src/enhance/preset.js';
import { phantomGray } from '../test/enhance/quality-cases.js';

const manifestPath = resolve(process.argv[2] ?? 'model/embedded/manifest.yaml');
const modelId = (await loadManifest(manifestPath)).manifest.id;
const registry = await ModelRegistry.open([modelId], { modelsDir: '', manifestPaths: { [modelId]: manifestPath } });
if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
const engine = new EnhancementEngine(registry);
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: modelId };

const rows: string[] = [];

async function time(label: string, images: ReturnType<typeof phantomGray>[], p: EnhancePreset): Promise<void> {
  await engine.enhanceSeries(images.slice(0, 1), p, { quality: false }); // warm-up
  const t0 = performance.now();
  const rs = await engine.enhanceSeries(images, p, { quality: false });
  const wall = performance.now() - t0;
  const model = rs.reduce((s, r) => s + r.timings.modelMs, 0);
  const steps = rs[0]!.steps;
  rows.push(
    `| ${label} | ${images.length} | ${steps} | ${(wall / images.length).toFixed(0)} | ${(wall / images.length / steps).toFixed(0)} | ${(model / images.length).toFixed(0)} | ${(wall / model).toFixed(3)} | ${(((wall - model) / wall) * 100).toFixed(1)} % |`,
  );
  console.log(
    `${label.padEnd(28)} slices ${images.length}  steps ${steps}  patches/slice ${(rs.reduce((s, r) => s + r.timings.patchEvaluations, 0) / rs.length).toFixed(1)}` +
      `  wall ${wall.toFixed(0)} ms  per slice ${(wall / images.length).toFixed(0)} ms  per step ${(wall / images.length / steps).toFixed(0)} ms` +
      `  outside model ${(((wall - model) / wall) * 100).toFixed(1)} % (prepare ${rs.reduce((s, r) => s + r.timings.prepareMs, 0).toFixed(0)} ms, finish ${rs.reduce((s, r) => s + r.timings.finishMs, 0).toFixed(0)} ms)`,
  );
}

await time('256² default (t0=300, 10 st)', [phantomGray(256, 0.4, 1)], preset);
await time('512² default', [phantomGray(512, 0.4, 1)], preset);
await time('4×256² series, batch 16', [0.2, 0.4, 0.6, 0.8].map((t) => phantomGray(256, t, 2)), preset);
await time('256² paper-like 10 steps', [phantomGray(256, 0.4, 1)], { ...preset, startStep: null, startGamma: false, backgroundProtection: false, contrastStretch: false });
await registry.close();

const date = new Date().toISOString().slice(0, 10);
const out = join('bench', 'results', `${date}-engine-${hostname()}.md`);
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(
  out,
  [
    `# Engine on CPU — ${date}`,
    '',
    `Device: ${hostname()}, CPU only (onnxruntime-node CPU EP); load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    `Model: ${manifestPath} (${modelId}). Reference: the time spent inside model calls in the same run.`,
    '',
    '| case | slices | network steps | ms / slice | ms / step | model ms / slice | wall / model | outside the model |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
console.log(`wrote ${out}`);
