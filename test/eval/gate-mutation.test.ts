/**
 * Mutation test of the quality gate (issue 20 item 5): engines that are wrong in the ways that
 * matter must each fail src/eval/gate.ts, each for its own reason, on the same held-out gate
 * images and baselines as the CI gate (a subset of the kinds, to keep it quick):
 * - a broken prior: the real engine with a model that outputs noise, under a contribution record
 *   that calls every preset UniMIE: its network does not earn the name;
 * - a no-op engine (returns its input): no kind improves on the input;
 * - an over-brightening engine: images fall below the input's floor and background grain rises.
 * And the gate can pass: an oracle that returns the clean image (its twin the input), labelled
 * UniMIE, passes every check; a phantom that drops 17 → 9 dB on one image fails the per-image
 * floor although the mean over the images still beats the input.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { EnhancementEngine, type EnhanceOptions, type EnhanceResult } from '../../src/enhance/engine.js';
import { isGrayImage, type EngineImage } from '../../src/enhance/image-planes.js';
import type { ContributionRecord } from '../../src/enhance/measured-contribution.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import type { ModelRegistry, RegisteredModel } from '../../src/enhance/model-registry.js';
import { createRng } from '../../src/enhance/rng.js';
import { degrade, evalDegradeOptions, kindAppliesTo, type DegradationKind } from '../../src/eval/degradations.js';
import { judgeGate, type GateVerdict } from '../../src/eval/gate.js';
import { loadHeldoutSet, type EvalImage } from '../../src/eval/heldout-set.js';
import { enginePresetsOf, runEvaluation, type EvalEngine, type EvalRow } from '../../src/eval/run-eval.js';
import { routeOf } from '../../src/eval/sample-set.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';

const ROOT = join(import.meta.dirname, '..', '..');
const config = loadConfig(join(ROOT, 'config'));
const PRESETS = ['ct-default', 'mr-default', 'endoscopy-default'];
const MODALITY: Record<string, string> = { 'ct-default': 'CT', 'mr-default': 'MR', 'endoscopy-default': 'ES' };
/** Three kinds per modality (two noisy, one classic) of the ones kindAppliesTo allows. */
const KINDS: readonly DegradationKind[] = ['low-light-noisy', 'low-contrast-noisy', 'low-dose-ct', 'mr-rician', 'blur'];
const BASELINES = ['input', 'clahe', 'gamma', 'denoise-clahe'] as const;
const presets = enginePresetsOf(config);
const route = (img: EvalImage) => routeOf(config, img.header as unknown as Record<string, unknown>).preset;

/** The real engine over the embedded manifest, with the network replaced by N(0, 1) noise. */
async function noisePriorEngine(): Promise<EnhancementEngine> {
  const loaded = await loadManifest(join(ROOT, 'model', 'embedded', 'manifest.yaml'));
  const rng = createRng(2024, 0);
  const model: RegisteredModel = {
    id: 'embedded',
    version: loaded.manifest.version,
    sha256: loaded.manifest.sha256,
    device: 'cpu',
    manifest: loaded.manifest,
    manifestPath: loaded.manifestPath,
    session: {
      predict: async (_batch, n, h, w) => {
        const out = new Float32Array(n * 3 * h * w);
        rng.fillNormal(out);
        return out;
      },
      outputChannels: 3,
      device: 'cpu',
      requestedDevice: 'cpu',
      release: async () => {},
    },
  };
  const registry = { get: () => model } as unknown as ModelRegistry;
  return new EnhancementEngine(registry);
}

const bytesOf = (img: EngineImage) => (isGrayImage(img) ? img.gray : img.data);
const digest = (img: EngineImage) => createHash('sha256').update(bytesOf(img)).digest('hex');

/** What the evaluation reads of an engine's result, for an output image made outside the engine. */
function resultOf(out: EngineImage, modelSha256: string): EnhanceResult {
  const gray = isGrayImage(out) ? out.gray : undefined;
  const data = gray ? new Uint8Array(3 * gray.length).map((_, i) => gray[Math.floor(i / 3)]!) : bytesOf(out);
  return { image: { width: out.width, height: out.height, data }, gray, modelId: 'embedded', modelSha256, steps: 0, timings: { totalMs: 0 }, backgroundProtected: false } as unknown as EnhanceResult;
}

/** An engine that maps every 8-bit sample through `f` (real and twin alike: no network). */
function pixelEngine(f: (v: number) => number): EvalEngine {
  const map = (a: Uint8Array) => a.map((v) => Math.max(0, Math.min(255, Math.round(f(v)))));
  return {
    enhance: async (img: EngineImage) => resultOf(isGrayImage(img) ? { ...img, gray: map(img.gray) } : { ...img, data: map(img.data) }, 'mutant'),
  };
}

/** Returns the clean image each degraded input was made from; its network-free twin returns the input. */
function oracleEngine(images: readonly EvalImage[]): EvalEngine {
  const clean = new Map<string, EngineImage>();
  for (const img of images) for (const kind of KINDS.filter((k) => kindAppliesTo(k, img.header.Modality))) clean.set(digest(degrade(img.image, kind, evalDegradeOptions(img, kind))), img.image);
  return {
    async enhance(img: EngineImage, _preset, opts: EnhanceOptions = {}): Promise<EnhanceResult> {
      const out = opts.networkFree ? img : clean.get(digest(img));
      if (!out) throw new Error('the oracle was given an image it did not degrade');
      return resultOf(out, 'oracle');
    },
  };
}

/** A record that lets every default preset be called UniMIE with the given model hash. */
function unimieRecord(sha256: string): ContributionRecord {
  const k = { cases: 4, contributionDb: 2, contributionSsim: 0.05, agreementDb: 30 };
  const entry = { model: { id: 'embedded', sha256 }, noisy: k, all: k, perKind: {}, meetsBar: true };
  return { createdAt: 't', commit: 'c', set: 'heldout', barDb: 1, presets: Object.fromEntries(PRESETS.map((p) => [p, entry])) };
}

describe('gate mutation test: wrong engines fail the gate, each for the right reason', () => {
  let images: EvalImage[];
  let baselineRows: EvalRow[];
  const judged = async (engine: EvalEngine, record?: ContributionRecord): Promise<GateVerdict> => {
    const { rows } = await runEvaluation({ images, kinds: KINDS, baselines: [], unimie: [{ column: 'unimie', presetFor: route }], presets, engine, ablate: true });
    return judgeGate({ rows: [...baselineRows, ...rows], column: 'unimie', presets: PRESETS, record });
  };
  const matching = (v: GateVerdict, re: RegExp) => v.failures.filter((f) => re.test(f));

  beforeAll(async () => {
    images = await loadHeldoutSet({ gateOnly: true });
    baselineRows = (await runEvaluation({ images, kinds: KINDS, baselines: BASELINES, unimie: [], presets })).rows;
  }, 300_000);

  it('an oracle labelled UniMIE passes: the gate can be met', async () => {
    const v = await judged(oracleEngine(images), unimieRecord('oracle'));
    expect(v.failures).toEqual([]);
  }, 300_000);

  it('a prior that outputs noise does not earn the UniMIE name', async () => {
    const engine = await noisePriorEngine();
    const v = await judged(engine, unimieRecord((await loadManifest(join(ROOT, 'model', 'embedded', 'manifest.yaml'))).manifest.sha256));
    expect(v.passed).toBe(false);
    for (const p of PRESETS) {
      expect(matching(v, new RegExp(`^${p} network contribution: .* is below the 1 dB bar, but contribution.json lets it be called UniMIE$`)), v.failures.join('\n')).toHaveLength(1);
    }
    expect(v.failures.some((f) => /^\S+ \S+\/\S+: PSNR .* below the input's/.test(f)), v.failures.join('\n')).toBe(true);
  }, 300_000);

  it('a no-op engine improves no kind on any preset, and breaks no floor and no background', async () => {
    const v = await judged(pixelEngine((x) => x));
    for (const p of PRESETS) {
      for (const k of KINDS.filter((x) => kindAppliesTo(x, MODALITY[p]!))) expect(matching(v, new RegExp(`^${p} ${k} mean: PSNR .* does not beat the input's`)), `${p} ${k}\n${v.failures.join('\n')}`).toHaveLength(1);
    }
    expect(matching(v, /more than .* below the input's/)).toEqual([]);
    expect(matching(v, /background/)).toEqual([]);
  }, 300_000);

  it('an over-brightening engine falls below the input on some images and raises background grain', async () => {
    const v = await judged(pixelEngine((x) => 2.2 * x + 12));
    expect(matching(v, /: PSNR .* is more than 0.5 dB below the input's/).length, v.failures.join('\n')).toBeGreaterThan(0);
    expect(matching(v, /low-(light|contrast)-noisy: background (entropy|mean gradient) rose by/).length, v.failures.join('\n')).toBeGreaterThan(0);
  }, 300_000);
});

describe('a phantom that collapses on one image', () => {
  it('fails the per-image floor even though the mean over the images beats the input', () => {
    const scores = (psnr: number) => ({ psnr, ssim: 0.8, loe: 0, entropy: 5, backgroundEntropy: 0, backgroundGradient: 0, meanGray: 60 });
    const row = (image: string, method: string, psnr: number, extra: Partial<EvalRow> = {}): EvalRow => ({
      image, set: 'heldout', modality: 'CT', width: 8, height: 8, kind: 'low-dose-ct', method, scores: scores(psnr),
      backgroundFraction: 0.5, backgroundEntropyChange: 0, backgroundGradientChange: 0, ms: 1, ...extra,
    });
    const model = { id: 'embedded', sha256: 'x' };
    const rows: EvalRow[] = [];
    // Inputs at 17, 15, 14, 16 dB; the phantom image collapses to 9 dB, the others gain 4–5 dB.
    for (const [image, input, out] of [['phantom', 17, 9], ['b', 15, 20], ['c', 14, 19], ['d', 16, 20.5]] as const) {
      rows.push(row(image, 'input', input), row(image, 'clahe', input - 1), row(image, 'gamma', input - 1), row(image, 'denoise-clahe', input - 1));
      rows.push(
        row(image, 'unimie', out, { preset: 'ct-default', model, scores: { ...scores(out), ssim: 0.85 } }),
        row(image, 'unimie:twin', out, { preset: 'ct-default', model, agreementDb: 60 }),
      );
    }
    const v = judgeGate({ rows, column: 'unimie', presets: ['ct-default'], record: undefined });
    const cell = v.presets[0]!.ablation!.cells.find((c) => c.scope === 'low-dose-ct')!;
    expect(cell.real.psnr).toBeGreaterThan(cell.baselines.input!.psnr);
    expect(v.failures).toEqual(["ct-default phantom/low-dose-ct: PSNR 9.00 dB is more than 0.5 dB below the input's 17.00 dB"]);
  });
});
