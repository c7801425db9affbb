/**
 * Preset tuning on the quality cases (a development tool, not a test):
 *   npx tsx test/enhance/tune-presets.ts [model/embedded/manifest.yaml] [variant…]
 * Prints mean PSNR / SSIM against the clean slice per degradation kind for the unchanged input
 * and each preset variant, the background entropy change and the time per slice.
 */
import { dirname, resolve } from 'node:path';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { backgroundMask, entropy, grayPlane, psnr, ssim } from '../../src/enhance/quality.js';
import { DEGRADATIONS, qualityCases } from './quality-cases.js';

const manifestPath = resolve(process.argv[2] ?? 'model/embedded/manifest.yaml');
const base: EnhancePreset = { ...DEFAULT_PRESET, model: 'm' };
export const VARIANTS: Record<string, Partial<EnhancePreset>> = {
  default: {},
  paper10: { steps: 10, guidanceScaleFollowsRespacing: false, exposureTarget: 0.4, variance: 'fixed_large', startStep: null, startGamma: false, backgroundProtection: false, contrastStretch: false, exposureForegroundOnly: false },
  issue: { contrastStretch: false },
  t200: { startStep: 200 },
  t120: { startStep: 120 },
  s20t200: { steps: 20, startStep: 200 },
  noexp: { exposureWeight: 0 },
  noguide: { guidanceScale: 0 },
};

const wanted = process.argv.slice(3);
const registry = await ModelRegistry.open(['m'], { modelsDir: '', manifestPaths: { m: manifestPath } });
if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
const engine = new EnhancementEngine(registry);
const cases = await qualityCases();
const fmt = (v: number, d = 2) => v.toFixed(d).padStart(6);

const rows: string[] = [];
const baseline = new Map<string, { p: number[]; s: number[] }>();
for (const c of cases) {
  const a = grayPlane(c.clean);
  const b = grayPlane(c.degraded);
  const e = baseline.get(c.kind) ?? { p: [], s: [] };
  e.p.push(psnr(a, b));
  e.s.push(ssim(a, b, c.clean.width, c.clean.height));
  baseline.set(c.kind, e);
}
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
rows.push(`${'variant'.padEnd(10)} ${DEGRADATIONS.map((k) => `${k.padStart(13)} psnr   ssim`).join(' ')}   dBgH   ms/slice`);
rows.push(`${'input'.padEnd(10)} ${DEGRADATIONS.map((k) => `${''.padStart(13)} ${fmt(mean(baseline.get(k)!.p))} ${fmt(mean(baseline.get(k)!.s), 3)}`).join(' ')}`);
console.log(rows.join('\n'));
for (const [name, over] of Object.entries(VARIANTS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const preset = { ...base, ...over };
  const per = new Map<string, { p: number[]; s: number[] }>();
  let dBg = 0;
  let ms = 0;
  for (const c of cases) {
    const r = await engine.enhance(c.degraded, preset);
    ms += r.timings.totalMs;
    const a = grayPlane(c.clean);
    const out = grayPlane({ width: c.clean.width, height: c.clean.height, gray: r.gray! });
    const e = per.get(c.kind) ?? { p: [], s: [] };
    e.p.push(psnr(a, out));
    e.s.push(ssim(a, out, c.clean.width, c.clean.height));
    per.set(c.kind, e);
    const d = grayPlane(c.degraded);
    const mask = backgroundMask(d, c.clean.width, c.clean.height);
    dBg = Math.max(dBg, Math.abs(entropy(out, mask) - entropy(d, mask)));
  }
  console.log(`${name.padEnd(10)} ${DEGRADATIONS.map((k) => `${''.padStart(13)} ${fmt(mean(per.get(k)!.p))} ${fmt(mean(per.get(k)!.s), 3)}`).join(' ')} ${fmt(dBg)} ${fmt(ms / cases.length, 0)}`);
}
await registry.close();
void dirname;
