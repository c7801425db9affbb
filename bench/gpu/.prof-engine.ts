import { EnhancementEngine } from '/work/main/src/enhance/engine.js';
import { loadManifest } from '/work/main/src/enhance/model-manifest.js';
import { ModelRegistry } from '/work/main/src/enhance/model-registry.js';
import { DEFAULT_PRESET } from '/work/main/src/enhance/preset.js';
import { phantomGray } from '/work/main/test/enhance/quality-cases.js';
const manifestPath = '/tmp/admw32/adm-w32-fp16-io32/manifest.yaml';
const { manifest } = await loadManifest(manifestPath);
const registry = await ModelRegistry.open([manifest.id], { modelsDir: '', manifestPaths: { [manifest.id]: manifestPath } });
const model = registry.get(manifest.id) as { device: string; session: { predict: unknown } };
const MS_PER_PATCH = Number(process.env.MS_PER_PATCH ?? 18.4);
const zeros = new Map<number, Float32Array>();
model.device = process.env.DEVICE ?? 'cuda';
let gpu: Promise<unknown> = Promise.resolve();
model.session.predict = async (_x: Float32Array, n: number, h: number, w: number) => {
  const mine = gpu.then(() => new Promise((r) => setTimeout(r, n * MS_PER_PATCH)));
  gpu = mine;
  await mine;
  const k = n * 6 * h * w; if (!zeros.has(k)) zeros.set(k, new Float32Array(k).fill(0.01)); return new Float32Array(zeros.get(k)!);
};
const engine = new EnhancementEngine(registry as ModelRegistry);
const p = { ...DEFAULT_PRESET, model: manifest.id, steps: 25, startStep: null };
await engine.enhanceSeries([phantomGray(512, 0.4, 1)], { ...DEFAULT_PRESET, model: manifest.id }, { quality: false });
for (const [label, preset, n] of [['1 slice batch 9', p, 1], ['1 slice batch 5', { ...p, batchSize: 5 }, 1], ['4 slices batch 18', { ...p, batchSize: 18 }, 4], ['4 slices batch 36', { ...p, batchSize: 36 }, 4]] as const) {
  const imgs = Array.from({ length: n }, (_, i) => phantomGray(512, 0.2 + 0.15 * i, 2));
  const t0 = performance.now();
  const rs = await engine.enhanceSeries(imgs, preset, { quality: false });
  const ms = (performance.now() - t0) / n;
  const modelOnly = rs.reduce((a, r) => a + r.timings.patchEvaluations, 0) * MS_PER_PATCH / n;
  console.log(label.padEnd(20), ms.toFixed(0), 'ms/slice; model alone', modelOnly.toFixed(0), 'ms/slice');
}
await registry.close();
