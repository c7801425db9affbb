/**
 * The engine end to end on the tiny ONNX networks: determinism, grayscale handling, series
 * batching, background protection and the bad inputs of the engine issue.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, PAPER_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { CancelledError, ModelContractError } from '../../src/shared/errors.js';
import { goldenImage } from './golden-inputs.js';

const REF = join(import.meta.dirname, '..', 'reference');
/** The respaced schedule with a fixed anchored start, per-pixel guidance and no noise judgement. */
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'tiny-eps', steps: 10, stepPlacement: 'respaced', startFromNoise: false, startStep: 300, noisyInputLevel: null };

function grayScene(w: number, h: number, level = 60): { width: number; height: number; gray: Uint8Array } {
  const gray = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - w / 2) ** 2 / (w * w * 0.12) + (y - h / 2) ** 2 / (h * h * 0.12) < 1;
      gray[y * w + x] = inside ? level + ((x * 3 + y * 5) % 40) : (x + y) % 3;
    }
  }
  return { width: w, height: h, gray };
}

describe('EnhancementEngine', () => {
  let registry: ModelRegistry;
  let engine: EnhancementEngine;
  beforeAll(async () => {
    registry = await ModelRegistry.open(['tiny-eps', 'tiny-epsvar', 'tiny-nan'], { modelsDir: REF, session: { intraOpThreads: 1 } });
    engine = new EnhancementEngine(registry);
  });
  afterAll(async () => registry.close());

  it('is deterministic: same seed → identical bytes, different seed → different output', async () => {
    const img = goldenImage(300, 200);
    const a = await engine.enhance(img, preset);
    const b = await engine.enhance(img, preset);
    const c = await engine.enhance(img, { ...preset, seed: 1 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    expect(a.modelId).toBe('tiny-eps');
    expect(a.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.steps).toBe(3); // 10 respaced steps, anchored at t0 = 300 → kept 222, 111, 0
    expect(a.timings.totalMs).toBeGreaterThan(0);
    expect(a.quality?.entropyIn).toBeGreaterThan(0);
  });

  it('runs grayscale through 3 channels and averages back (R = G = B); protects the background', async () => {
    const img = grayScene(260, 270);
    const r = await engine.enhance(img, preset);
    expect(r.gray).toBeDefined();
    for (let i = 0; i < img.gray.length; i += 97) {
      expect(r.image.data[3 * i]).toBe(r.gray![i]);
      expect(r.image.data[3 * i + 2]).toBe(r.gray![i]);
    }
    expect(r.backgroundProtected).toBe(true);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(r.gray![y * 260 + x]).toBe(img.gray[y * 260 + x]); // background kept byte for byte
    const paper = await engine.enhance(img, { ...PAPER_PRESET, model: 'tiny-eps', variance: 'fixed_small', steps: 4 });
    expect(paper.backgroundProtected).toBe(false);
  });

  it('handles images smaller than a patch and 1-pixel-wide images (resized up and back)', async () => {
    const small = await engine.enhance(grayScene(100, 60), preset);
    expect([small.image.width, small.image.height]).toEqual([100, 60]);
    const thin = await engine.enhance({ width: 1, height: 300, gray: new Uint8Array(300).map((_, i) => i % 256) }, preset);
    expect([thin.image.width, thin.image.height, thin.gray!.length]).toEqual([1, 300, 300]);
  });

  it('batches the slices of a series; results do not depend on the batch size', async () => {
    const slices = [grayScene(256, 256, 40), grayScene(256, 256, 70), grayScene(300, 200, 50)];
    const one = await engine.enhanceSeries(slices, { ...preset, batchSize: 1 });
    const many = await engine.enhanceSeries(slices, { ...preset, batchSize: 16 });
    one.forEach((r, i) => expect(Buffer.from(r.image.data).equals(Buffer.from(many[i]!.image.data))).toBe(true));
    // modelCalls counts the calls of the lockstep group a slice was sampled in
    expect(many[0]!.timings.modelCalls).toBeLessThan(one.reduce((s, r) => s + r.timings.modelCalls, 0));
  });

  it('fails with ModelContractError on NaN from the model', async () => {
    await expect(engine.enhance(grayScene(64, 64), { ...preset, model: 'tiny-nan' })).rejects.toBeInstanceOf(ModelContractError);
    await expect(engine.enhance(grayScene(64, 64), { ...preset, model: 'tiny-nan' })).rejects.toThrow(/NaN/);
  });

  it('refuses learned variance on an ε-only model and an unknown model', async () => {
    await expect(engine.enhance(grayScene(64, 64), { ...preset, variance: 'learned' })).rejects.toThrow(/learned variance/);
    await expect(engine.enhance(grayScene(64, 64), { ...preset, model: 'nope' })).rejects.toBeInstanceOf(ModelContractError);
  });

  it('stops a cancelled job with CancelledError and reports progress before', async () => {
    const ctl = new AbortController();
    const seen: number[] = [];
    const job = engine.enhanceSeries([grayScene(300, 300), grayScene(300, 300)], { ...preset, batchSize: 1 }, {
      signal: ctl.signal,
      onProgress: (p) => {
        seen.push(p.step);
        ctl.abort();
      },
    });
    await expect(job).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([1]);
  });

  it('runs the 6-channel model with learned variance (auto)', async () => {
    const r = await engine.enhance(goldenImage(300, 200), { ...preset, model: 'tiny-epsvar' });
    expect(r.image.data.length).toBe(300 * 200 * 3);
  });
});

describe('EnhancementEngine: noise-matched start, the twin and what ran', () => {
  let registry: ModelRegistry;
  let engine: EnhancementEngine;
  beforeAll(async () => {
    registry = await ModelRegistry.open(['tiny-eps'], { modelsDir: REF, session: { intraOpThreads: 1 } });
    engine = new EnhancementEngine(registry);
  });
  afterAll(async () => registry.close());

  const noisy = (img: { width: number; height: number; gray: Uint8Array }, sigma: number) => {
    let s = 12345;
    const gray = img.gray.map((v) => {
      // Sum of uniforms (Irwin–Hall, 12 draws) as a deterministic, roughly normal sample.
      let u = 0;
      for (let k = 0; k < 12; k++) u += (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      return Math.max(0, Math.min(255, Math.round(v + 60 + sigma * (u - 6))));
    });
    return { ...img, gray };
  };
  const matched: EnhancePreset = {
    ...DEFAULT_PRESET,
    model: 'tiny-eps',
    startStep: 300,
    startFromNoise: true,
    noiseStartFactor: 2,
    minStartStep: 20,
    stepPlacement: 'below-start',
    steps: 2,
    detailFromInput: true,
    noisyInputLevel: 2,
    backgroundProtection: false,
  };

  /** An object with smooth shading on black: no fine structure for the noise estimate to mistake. */
  const smoothScene = (w: number, h: number) => {
    const gray = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (0.4 * w) ** 2;
        gray[y * w + x] = inside ? Math.round(60 + 40 * Math.sin(x / 30) * Math.cos(y / 40)) : 0;
      }
    }
    return { width: w, height: h, gray };
  };

  it('starts later on a noisier input, places the steps below the start, and gates detail transfer by the noise', async () => {
    const clean = noisy(smoothScene(256, 256), 0);
    const rough = noisy(smoothScene(256, 256), 20);
    const a = await engine.enhance(clean, matched);
    const b = await engine.enhance(rough, matched);
    expect(a.applied.startTimestep).toBe(20);
    expect(b.applied.startTimestep).toBeGreaterThan(40);
    expect(b.applied.startTimestep).toBeLessThanOrEqual(300);
    expect(a.applied.networkEvaluationsPerPatch).toBe(2);
    expect(a.applied.classical).toContain('detail-transfer');
    expect(b.applied.classical).not.toContain('detail-transfer');
    expect(b.applied).toMatchObject({ estimator: 'network', anchoredStart: true, patchSize: 256, stride: 128, patchesPerImage: 1 });
  });

  it('runs the network-free twin of the same preset: no network evaluation, a different image', async () => {
    const rough = noisy(smoothScene(256, 256), 20);
    const real = await engine.enhance(rough, matched);
    const twin = await engine.enhance(rough, matched, { networkFree: true });
    expect(twin.applied.estimator).toBe('network-free');
    expect(twin.applied.networkEvaluationsPerPatch).toBe(0);
    expect(twin.steps).toBe(0);
    expect(twin.applied.startTimestep).toBe(real.applied.startTimestep);
    expect(Buffer.from(twin.gray!).equals(Buffer.from(real.gray!))).toBe(false);
  });
});
