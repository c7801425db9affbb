import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { linearBetas } from './schedule.js';
import { estimateNoiseSigma, estimateNoiseSigmaTwoScales, inputNoiseSigma, noiseMatchedTimestep } from './noise-level.js';

function alphasCumprod(): Float64Array {
  const betas = linearBetas(1000, 1e-4, 0.02);
  const out = new Float64Array(betas.length);
  let a = 1;
  betas.forEach((b, i) => (out[i] = a *= 1 - b));
  return out;
}

describe('estimateNoiseSigma', () => {
  it('finds the σ of white noise on a smooth image within 5 %', () => {
    const w = 128;
    const h = 128;
    const rng = createRng(7, 0);
    for (const sigma of [0.02, 0.1, 0.3]) {
      const plane = new Float32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) plane[y * w + x] = 0.5 * Math.sin(x / 20) * Math.cos(y / 30) + sigma * rng.normal();
      expect(estimateNoiseSigma(plane, w, h) / sigma).toBeGreaterThan(0.95);
      expect(estimateNoiseSigma(plane, w, h) / sigma).toBeLessThan(1.05);
    }
  });

  it('is near zero on a clean ramp and ignores masked-out pixels', () => {
    const w = 64;
    const plane = new Float32Array(w * w).map((_, i) => (i % w) / w);
    expect(estimateNoiseSigma(plane, w, w)).toBeLessThan(1e-6);
    const rng = createRng(3, 0);
    const include = new Uint8Array(w * w);
    for (let i = 0; i < plane.length; i++) {
      if (Math.floor(i / w) < 32) plane[i] = plane[i]! + rng.normal();
      else include[i] = 1;
    }
    expect(estimateNoiseSigma(plane, w, w, include)).toBeLessThan(1e-6);
    expect(estimateNoiseSigma(plane, w, w, new Uint8Array(w * w))).toBeNaN();
  });
});

describe('noiseMatchedTimestep', () => {
  const acp = alphasCumprod();
  it('starts where the diffusion noise first reaches factor·σ', () => {
    const t = noiseMatchedTimestep(acp, 0.1, 1, 0, 999);
    expect(Math.sqrt((1 - acp[t]!) / acp[t]!)).toBeGreaterThanOrEqual(0.1);
    expect(Math.sqrt((1 - acp[t - 1]!) / acp[t - 1]!)).toBeLessThan(0.1);
    expect(noiseMatchedTimestep(acp, 0.1, 2, 0, 999)).toBeGreaterThan(t);
  });
  it('clamps to the preset bounds, a clean or unmeasurable input to the lower one', () => {
    expect(noiseMatchedTimestep(acp, 0, 1, 20, 300)).toBe(20);
    expect(noiseMatchedTimestep(acp, Number.NaN, 1, 20, 300)).toBe(20);
    expect(noiseMatchedTimestep(acp, 5, 1, 20, 300)).toBe(300);
  });
});

describe('estimateNoiseSigmaTwoScales', () => {
  it('reads white noise as the one-scale estimate and sees correlated noise the finest band misses', () => {
    const w = 128;
    const rng = createRng(9, 0);
    const white = new Float32Array(w * w).map(() => 0.1 * rng.normal());
    expect(estimateNoiseSigmaTwoScales(white, w, w) / 0.1).toBeGreaterThan(0.93);
    expect(estimateNoiseSigmaTwoScales(white, w, w) / 0.1).toBeLessThan(1.1);
    // 2×2 box-correlated noise of σ 0.1 per pixel: the finest diagonal band sees almost none of it.
    const base = new Float32Array((w / 2) * (w / 2)).map(() => 0.1 * rng.normal());
    const blocky = new Float32Array(w * w).map((_, i) => base[Math.floor(Math.floor(i / w) / 2) * (w / 2) + Math.floor((i % w) / 2)]!);
    expect(estimateNoiseSigma(blocky, w, w)).toBeLessThan(0.01);
    expect(estimateNoiseSigmaTwoScales(blocky, w, w)).toBeGreaterThan(0.15);
  });

  it('measures an input\'s colour noise per channel, leaving out clipped pixels', () => {
    const w = 64;
    const hw = w * w;
    const rng = createRng(11);
    const sigma = 0.02;
    const img = new Float32Array(3 * hw);
    for (let i = 0; i < 3 * hw; i++) img[i] = (i % hw) < hw / 2 ? 0 : 0.5 + sigma * rng.normal(); // top half clipped black
    // The channel mean's noise is σ/√3; the estimate is the channels' own σ.
    expect(inputNoiseSigma(img, w, w)).toBeCloseTo(sigma, 2);
    expect(inputNoiseSigma(new Float32Array(3 * hw), w, w)).toBe(0);
  });
});
