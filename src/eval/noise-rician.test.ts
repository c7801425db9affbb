import { describe, expect, it } from 'vitest';
import { createRng } from '../enhance/rng.js';
import { otsuThreshold } from './background-mask.js';
import { foregroundMean, ricianMagnitude } from './noise-rician.js';

/** Modified Bessel function of the first kind, order 0 or 1 (power series). */
function besselI(order: 0 | 1, x: number): number {
  let term = order === 0 ? 1 : x / 2;
  let sum = term;
  for (let k = 1; k < 60; k++) {
    term *= (x / 2) ** 2 / (k * (k + order));
    sum += term;
  }
  return sum;
}

/** Mean of the Rice distribution with amplitude a and noise σ. */
function riceMean(a: number, sigma: number): number {
  const x = (a * a) / (2 * sigma * sigma);
  return sigma * Math.sqrt(Math.PI / 2) * Math.exp(-x / 2) * ((1 + x) * besselI(0, x / 2) + x * besselI(1, x / 2));
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

describe('Rician noise', () => {
  const n = 60_000;

  it('biases a dark signal upwards as the Rice law says (SNR 0, 1, 2) and keeps E[M²] = A² + 2σ²', () => {
    const sigma = 10;
    for (const snr of [0, 1, 2]) {
      const a = snr * sigma;
      const m = ricianMagnitude(new Float64Array(n).fill(a), sigma, createRng(3, snr));
      expect(Math.abs(mean(m) - riceMean(a, sigma))).toBeLessThan(0.02 * riceMean(a, sigma));
      expect(mean(m)).toBeGreaterThan(a + 0.2 * sigma);
      const second = mean(m.map((v) => v * v));
      expect(Math.abs(second / (a * a + 2 * sigma * sigma) - 1)).toBeLessThan(0.03);
    }
    expect(riceMean(0, sigma)).toBeCloseTo(sigma * Math.sqrt(Math.PI / 2), 10);
  });

  it('is nearly unbiased Gaussian at high SNR (20)', () => {
    const m = ricianMagnitude(new Float64Array(n).fill(200), 10, createRng(4));
    expect(Math.abs(mean(m) / 200 - 1)).toBeLessThan(0.004);
    const mu = mean(m);
    const sd = Math.sqrt(mean(m.map((v) => (v - mu) ** 2)));
    expect(sd).toBeGreaterThan(9.5);
    expect(sd).toBeLessThan(10.5);
  });

  it('Otsu separates a dark background from a bright foreground', () => {
    const s = new Float64Array(1000).map((_, i) => (i < 600 ? 10 + (i % 7) : 180 + (i % 11)));
    const firstForegroundLevel = otsuThreshold(s) + 1;
    expect(firstForegroundLevel).toBeGreaterThan(16);
    expect(firstForegroundLevel).toBeLessThanOrEqual(180);
    expect(foregroundMean(s)).toBeCloseTo(mean(s.slice(600)), 10);
  });

  it('is reproducible per seed and refuses a negative σ', () => {
    const s = new Float64Array(100).fill(50);
    expect([...ricianMagnitude(s, 5, createRng(9))]).toEqual([...ricianMagnitude(s, 5, createRng(9))]);
    expect([...ricianMagnitude(s, 5, createRng(10))]).not.toEqual([...ricianMagnitude(s, 5, createRng(9))]);
    expect(() => ricianMagnitude(s, -1, createRng(9))).toThrow(RangeError);
  });
});
