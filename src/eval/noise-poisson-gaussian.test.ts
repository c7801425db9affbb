import { describe, expect, it } from 'vitest';
import { createRng } from '../enhance/rng.js';
import { logGamma, poissonGaussian, samplePoisson } from './noise-poisson-gaussian.js';

function moments(a: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i]! - mean) ** 2;
  return { mean, variance: v / (a.length - 1) };
}

describe('Poisson–Gaussian sensor noise', () => {
  it('log-gamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });

  it.each([0.4, 3, 9.5, 10, 37, 850])('Poisson draws with mean %d have that mean and variance', (lambda) => {
    const rng = createRng(11, Math.round(lambda * 10));
    const n = 40_000;
    const draws = new Float64Array(n).map(() => samplePoisson(lambda, rng));
    const { mean, variance } = moments(draws);
    // Standard error of the mean is √(λ/n); of the variance about λ·√(2/n).
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
    expect(Math.abs(variance / lambda - 1)).toBeLessThan(0.04);
    expect(draws.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
  });

  it('the probability of each count matches the Poisson law (λ = 15, transformed rejection)', () => {
    const rng = createRng(5);
    const n = 60_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = samplePoisson(15, rng);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const k of [8, 12, 15, 18, 24]) {
      const p = Math.exp(-15 + k * Math.log(15) - logGamma(k + 1));
      expect(Math.abs((counts.get(k) ?? 0) / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('variance grows linearly with the mean: v/peak + (read/peak)²', () => {
    const sensor = { peak: 200, read: 3 };
    const rng = createRng(21);
    for (const v of [0, 0.05, 0.3, 0.8]) {
      const out = poissonGaussian(new Float64Array(30_000).fill(v), sensor, rng);
      const { mean, variance } = moments(out);
      const expected = v / sensor.peak + (sensor.read / sensor.peak) ** 2;
      expect(mean).toBeCloseTo(v, 2);
      expect(Math.abs(variance / expected - 1)).toBeLessThan(0.05);
    }
  });

  it('is reproducible for one seed and differs between seeds; refuses a bad sensor', () => {
    const v = new Float64Array(500).map((_, i) => i / 499);
    const a = poissonGaussian(v, { peak: 100, read: 2 }, createRng(7, 1));
    expect([...poissonGaussian(v, { peak: 100, read: 2 }, createRng(7, 1))]).toEqual([...a]);
    expect([...poissonGaussian(v, { peak: 100, read: 2 }, createRng(8, 1))]).not.toEqual([...a]);
    expect(() => poissonGaussian(v, { peak: 0, read: 1 }, createRng(1))).toThrow(RangeError);
    expect(() => samplePoisson(-1, createRng(1))).toThrow(RangeError);
  });
});
