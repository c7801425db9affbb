import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import {
  BLURRED_RATIO,
  SHARP_RATIO,
  boostWeight,
  gaussianPlanes,
  sharpnessRatio,
  transferDetail,
} from './detail-transfer.js';

const W = 64;
const H = 48;

/** A textured test image in [0.1, 0.7]: smooth shading plus pixel-level detail. */
function textured(seed: number): Float32Array {
  const rng = createRng(seed, 0);
  const img = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[y * W + x] = 0.3 + 0.2 * Math.sin(x / 9) * Math.cos(y / 7) + 0.1 * (rng.uniform() - 0.5) * 2;
  return img;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('detail transfer', () => {
  it('returns the input when the sampler returned the input (no boost)', () => {
    const img = textured(1);
    expect(maxAbsDiff(transferDetail(img, img, W, H, { sigma: 2, boost: 0 }), img)).toBeLessThan(1e-5);
  });

  it('scales the input’s detail with the illumination change', () => {
    const img = textured(2);
    const brighter = img.map((v) => 1.5 * v);
    const out = transferDetail(img, brighter, W, H, { sigma: 2, boost: 0 });
    // Exact up to the ε that keeps the gain finite on black (it lowers the gain on dark pixels).
    expect(maxAbsDiff(out, brighter)).toBeLessThan(0.01);
    expect(maxAbsDiff(out, img)).toBeGreaterThan(0.2);
  });

  it('drops fine texture the sampler invented', () => {
    const img = gaussianPlanes(textured(3), 1, W, H, 3);
    const rng = createRng(9, 0);
    const invented = img.map((v) => v + 0.08 * (rng.uniform() - 0.5) * 2);
    const out = transferDetail(img, invented, W, H, { sigma: 2, boost: 0 });
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - img[i]!) ** 2, 0) / a.length);
    expect(rms(out)).toBeLessThan(0.2 * rms(invented));
  });

  it('a boost sharpens: a blurred input comes out closer to the sharp original', () => {
    const sharp = textured(4);
    const blurred = gaussianPlanes(sharp, 1, W, H, 1.2);
    const rmse = (a: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - sharp[i]!) ** 2, 0) / a.length);
    const boosted = transferDetail(blurred, blurred, W, H, { sigma: 2, boost: 2 });
    expect(rmse(boosted)).toBeLessThan(rmse(blurred));
  });

  it('keeps values in [0, 1] and refuses mismatched sizes', () => {
    const img = textured(5).map((v, i) => (i % 2 ? 1 : 0));
    const out = transferDetail(img, img.map(() => 0.9), W, H, { sigma: 2, boost: 3 });
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    expect(() => transferDetail(img, img.subarray(1), W, H, { sigma: 2, boost: 0 })).toThrow(RangeError);
  });
});

describe('blur detection', () => {
  it('tells a blurred slice from a sharp one, independent of brightness', () => {
    const sharp = textured(6);
    const blurred = gaussianPlanes(sharp, 1, W, H, 1.5);
    expect(sharpnessRatio(sharp, W, H)).toBeGreaterThan(SHARP_RATIO);
    expect(boostWeight(sharpnessRatio(blurred, W, H))).toBeGreaterThan(0.5);
    expect(boostWeight(sharpnessRatio(sharp, W, H))).toBe(0);
    expect(sharpnessRatio(blurred.map((v) => 0.3 * v), W, H)).toBeCloseTo(sharpnessRatio(blurred, W, H), 4);
  });

  it('gives the full boost to blurred inputs and none to sharp ones, continuously', () => {
    expect(boostWeight(BLURRED_RATIO)).toBe(1);
    expect(boostWeight(0.1)).toBe(1);
    expect(boostWeight(SHARP_RATIO)).toBe(0);
    expect(boostWeight(2)).toBe(0);
    const mid = boostWeight((BLURRED_RATIO + SHARP_RATIO) / 2);
    expect(mid).toBeCloseTo(0.5, 6);
  });
});
