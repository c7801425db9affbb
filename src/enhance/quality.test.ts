import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { entropy, lightnessOrderError, psnr, ssim, summariseQuality } from './quality.js';

function noisyPair(w: number, h: number): { a: Float64Array; b: Float64Array } {
  const rng = createRng(11);
  const a = new Float64Array(w * h).map((_, i) => Math.round(128 + 80 * Math.sin(i / 37) + 20 * rng.normal()));
  const b = a.map((v) => Math.min(255, Math.max(0, Math.round(v * 0.6 + 40 * rng.normal()))));
  return { a: a.map((v) => Math.min(255, Math.max(0, v))), b };
}

describe('quality measures', () => {
  it('PSNR: identical = ∞, constant offset 5 → 10·log10(255²/25)', () => {
    const a = new Float64Array(100).fill(100);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(a, a.map((v) => v + 5))).toBeCloseTo(10 * Math.log10((255 * 255) / 25), 10);
  });

  it('SSIM: 1 for identical images, lower for degraded ones, and matches scikit-image where present', () => {
    const w = 64;
    const h = 48;
    const { a, b } = noisyPair(w, h);
    expect(ssim(a, a, w, h)).toBeCloseTo(1, 12);
    const ours = ssim(a, b, w, h);
    expect(ours).toBeLessThan(0.9);
    let ref: number | null = null;
    try {
      const script =
        'import sys,json,numpy as np\nfrom skimage.metrics import structural_similarity as s\nd=json.load(sys.stdin)\n' +
        "a=np.array(d['a']).reshape(d['h'],d['w']);b=np.array(d['b']).reshape(d['h'],d['w'])\n" +
        "print(s(a,b,gaussian_weights=True,sigma=1.5,use_sample_covariance=False,data_range=255))";
      ref = Number(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ a: [...a], b: [...b], w, h }) }).toString());
    } catch {
      ref = null; // scikit-image not installed here
    }
    if (ref !== null) expect(Math.abs(ours - ref)).toBeLessThan(1e-3);
  });

  it('entropy: constant = 0, uniform over 256 levels = 8 bits, masked subset', () => {
    expect(entropy(new Float64Array(50).fill(3))).toBe(0);
    expect(entropy(Float64Array.from({ length: 512 }, (_, i) => i % 256))).toBeCloseTo(8, 12);
    const mask = Uint8Array.from({ length: 512 }, (_, i) => (i % 256 < 2 ? 1 : 0));
    expect(entropy(Float64Array.from({ length: 512 }, (_, i) => i % 256), mask)).toBeCloseTo(1, 12);
  });

  it('LOE: 0 for a monotone brightening, large for an inversion', () => {
    const w = 20;
    const h = 20;
    const gray = Uint8Array.from({ length: w * h }, (_, i) => (i * 7) % 200);
    const img = { width: w, height: h, gray };
    expect(lightnessOrderError(img, { width: w, height: h, gray: gray.map((v) => Math.min(255, v + 40)) })).toBe(0);
    expect(lightnessOrderError(img, { width: w, height: h, gray: gray.map((v) => 255 - v) })).toBeGreaterThan(100);
  });

  it('summarises before/after with the background entropy', () => {
    const w = 32;
    const h = 32;
    const data = new Uint8Array(w * h * 3);
    for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) data.fill(100 + x, 3 * (y * w + x), 3 * (y * w + x) + 3);
    const q = summariseQuality({ width: w, height: h, data }, { width: w, height: h, data });
    expect(q.backgroundFraction).toBeCloseTo(0.75, 2);
    expect(q.backgroundEntropyIn).toBe(0);
    expect(q.backgroundEntropyOut).toBe(0);
    expect(q.entropyIn).toBeGreaterThan(1);
    expect(q.lightnessOrderError).toBe(0);
  });
});
