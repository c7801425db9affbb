/**
 * Preset tuning on the quality cases (a development tool, not a test):
 *   npx tsx test/enhance/tune-presets.ts [model/embedded/manifest.yaml] [variant…]
 * Prints mean PSNR / SSIM against the clean slice per degradation kind for the unchanged input
 * and each preset variant, the background entropy change and the time per slice.
 */
import { resolve } from 'node:path';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { conditionInput } from '../../src/enhance/conditioning.js';
import { toPlanarUnit, type GrayImage } from '../../src/enhance/image-planes.js';
import { inputNoiseSigma } from '../../src/enhance/noise-level.js';
import { DEGRADATIONS, qualityCases } from './quality-cases.js';
import { meanByKind, scoreCases, type CaseScore } from './quality-eval.js';

const manifestPath = resolve(process.argv[2] ?? 'model/embedded/manifest.yaml');
export const VARIANTS: Record<string, Partial<EnhancePreset>> = {
  default: {},
  alwaysbright: { brightenOnlyUnderexposed: false },
  detail0: { detailFromInput: true, detailBoost: 0 },
  detail05: { detailFromInput: true, detailBoost: 0.5 },
  detail1: { detailFromInput: true, detailBoost: 1 },
  detail2: { detailFromInput: true, detailBoost: 2 },
  detail3: { detailFromInput: true, detailBoost: 3 },
  detail1s3: { detailFromInput: true, detailBoost: 1, detailSigma: 3 },
  detail2s3: { detailFromInput: true, detailBoost: 2, detailSigma: 3 },
  global: { localGamma: false },
  localt200: { localGamma: true, startStep: 230 },
  paper10: { steps: 10, guidanceScaleFollowsRespacing: false, exposureTarget: 0.4, variance: 'fixed_large', startStep: null, startGamma: false, backgroundProtection: false, contrastStretch: false, exposureForegroundOnly: false, dataStepLimit: null },
  nolimit: { dataStepLimit: null },
  limit025: { dataStepLimit: 0.25 },
  nostretch: { contrastStretch: false },
  local: { localGamma: true },
  s20: { steps: 20 },
  s20t200: { steps: 20, startStep: 200 },
  t120: { startStep: 120 },
  noexp: { exposureWeight: 0 },
  noguide: { guidanceScale: 0 },
  cap5: { guidanceScaleCap: 5 },
  exp02: { exposureWeight: 0.02 },
  s15: { steps: 15 },
  limit1: { dataStepLimit: 1 },
};

const wanted = process.argv.slice(3);
const modelId = (await loadManifest(manifestPath)).manifest.id;
const registry = await ModelRegistry.open([modelId], { modelsDir: '', manifestPaths: { [modelId]: manifestPath } });
const base: EnhancePreset = { ...DEFAULT_PRESET, model: modelId };
if (registry.problems().size > 0) throw new Error([...registry.problems().values()].join('\n'));
const engine = new EnhancementEngine(registry);
const cases = await qualityCases();
const fmt = (v: number, d = 2) => v.toFixed(d).padStart(7);
let printedInput = false;
if (wanted.includes('start-only')) {
  // The conditioned start image itself (stretch, gamma, background), no model: what the
  // diffusion and guidance add is measured against this.
  const fake: EnhancementEngine = {
    enhance: async (img: GrayImage, p: EnhancePreset) => {
      const cond = conditionInput(toPlanarUnit(img), img.width, img.height, {
        contrastStretch: p.contrastStretch, startGamma: p.startGamma, localGamma: p.localGamma, brightenOnlyUnderexposed: p.brightenOnlyUnderexposed, exposureJudgedBy: p.exposureJudgedBy,
        backgroundProtection: p.backgroundProtection, exposureForegroundOnly: true, exposureTarget: p.exposureTarget,
        noiseSigma: inputNoiseSigma(toPlanarUnit(img), img.width, img.height), backgroundNoiseFloor: p.backgroundNoiseFloor, backgroundJudgedBy: p.backgroundJudgedBy,
      });
      const hw = img.width * img.height;
      const gray = new Uint8Array(hw).map((_, i) => Math.round(cond.start[i]! * 255));
      return { gray, timings: { totalMs: 0 } };
    },
  } as unknown as EnhancementEngine;
  const scores = await scoreCases(fake, { ...base, localGamma: true }, cases);
  console.log(`start-only (local gamma) ${DEGRADATIONS.map((k) => `${fmt(meanByKind(scores, (s) => s.output.psnr).get(k)!)}${fmt(meanByKind(scores, (s) => s.output.ssim).get(k)!, 3)}`).join('  ')}`);
}
for (const [name, over] of Object.entries(VARIANTS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const scores = await scoreCases(engine, { ...base, ...over }, cases);
  const line = (label: string, pick: (s: CaseScore) => { psnr: number; ssim: number }, extra: string) =>
    `${label.padEnd(10)}${DEGRADATIONS.map((k) => `${fmt(meanByKind(scores, (s) => pick(s).psnr).get(k)!)}${fmt(meanByKind(scores, (s) => pick(s).ssim).get(k)!, 3)}`).join('  ')}${extra}`;
  if (!printedInput) {
    console.log(`${''.padEnd(10)}${DEGRADATIONS.map((k) => k.padStart(14)).join('  ')}   maxdBgH  meanOut/clean  ms`);
    console.log(line('input', (s) => s.input, ''));
    printedInput = true;
  }
  const dBg = Math.max(...scores.map((s) => s.backgroundEntropyDelta));
  const meanRatio = scores.reduce((a, s) => a + s.meanOut / s.meanClean, 0) / scores.length;
  const ms = scores.reduce((a, s) => a + s.ms, 0) / scores.length;
  console.log(line(name, (s) => s.output, `${fmt(dBg)}${fmt(meanRatio)}${fmt(ms, 0)}`));
  if (process.env.PER_CASE) for (const s of scores) console.log(`   ${s.name.padEnd(14)} ${s.kind.padEnd(13)} in ${fmt(s.input.psnr)} ${fmt(s.input.ssim, 3)}  out ${fmt(s.output.psnr)} ${fmt(s.output.ssim, 3)}  bg ${fmt(s.backgroundEntropyDelta)}`);
}
await registry.close();
