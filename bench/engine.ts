/**
 * Engine timing on CPU (a benchmark, not a test):
 *   npx tsx test/enhance/bench-engine.ts [manifest.yaml]
 * Default preset on 256² and 512² slices and a 4-slice 256² series: time per network step, per
 * slice, and the share of wall time spent outside the model.
 */
import { resolve } from 'node:path';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { phantomGray } from './quality-cases.js';

const manifestPath = resolve(process.argv[2] ?? 'model/embedded/manifest.yaml');
const modelId = (await loadManifest(manifestPath)).manifest.id;
const registry = await ModelRegistry.open([modelId], { modelsDir: '', manifestPaths: { [modelId]: manifestPath } });
if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
const engine = new EnhancementEngine(registry);
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: modelId };

async function time(label: string, images: ReturnType<typeof phantomGray>[], p: EnhancePreset): Promise<void> {
  await engine.enhanceSeries(images.slice(0, 1), p, { quality: false }); // warm-up
  const t0 = performance.now();
  const rs = await engine.enhanceSeries(images, p, { quality: false });
  const wall = performance.now() - t0;
  const model = rs.reduce((s, r) => s + r.timings.modelMs, 0);
  const steps = rs[0]!.steps;
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
