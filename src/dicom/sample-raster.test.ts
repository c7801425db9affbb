import { describe, expect, it } from 'vitest';
import { randomSource } from './phantom-anatomy.js';
import { blurRaster, gaussianKernel, gaussianSource, maskedStats, poissonDraw, smoothField, stampDisc } from './sample-raster.js';

describe('sample raster helpers', () => {
  it('draws standard normal numbers, deterministically', () => {
    const g = gaussianSource(3);
    const xs = Array.from({ length: 20000 }, g);
    const s = maskedStats(xs, () => true);
    expect(Math.abs(s.mean)).toBeLessThan(0.03);
    expect(s.sd).toBeGreaterThan(0.97);
    expect(s.sd).toBeLessThan(1.03);
    const again = gaussianSource(3);
    expect(Array.from({ length: 5 }, again)).toEqual(xs.slice(0, 5));
  });

  it('draws Poisson counts with mean and variance λ on both sides of the normal switch', () => {
    for (const lambda of [0.7, 12, 400]) {
      const rand = randomSource(5);
      const gauss = gaussianSource(6);
      const xs = Array.from({ length: 20000 }, () => poissonDraw(lambda, rand, gauss));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      const s = maskedStats(xs, () => true);
      expect(s.mean / lambda).toBeGreaterThan(0.96);
      expect(s.mean / lambda).toBeLessThan(1.04);
      expect((s.sd * s.sd) / lambda).toBeGreaterThan(0.93);
      expect((s.sd * s.sd) / lambda).toBeLessThan(1.07);
    }
    expect(poissonDraw(0, Math.random, Math.random)).toBe(0);
  });

  it('blurs with a normalised kernel: a constant stays, an impulse spreads to σ', () => {
    const k = gaussianKernel(2);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Array.from(blurRaster(new Float32Array(35).fill(7), 7, 5, 1.5)).every((v) => Math.abs(v - 7) < 1e-5)).toBe(true);
    const impulse = new Float32Array(41 * 41);
    impulse[20 * 41 + 20] = 1;
    const b = blurRaster(impulse, 41, 41, 2);
    let sum = 0;
    let var2 = 0;
    for (let y = 0; y < 41; y++) for (let x = 0; x < 41; x++) {
      sum += b[y * 41 + x];
      var2 += (x - 20) ** 2 * b[y * 41 + x];
    }
    expect(sum).toBeCloseTo(1, 5);
    expect(Math.sqrt(var2 / sum)).toBeCloseTo(2, 1);
    expect(() => blurRaster(new Float32Array(3), 2, 2, 1)).toThrow(RangeError);
  });

  it('makes smooth fields of zero mean and unit variance whose neighbours correlate', () => {
    const f = smoothField(64, 64, 4, 11);
    const s = maskedStats(f, () => true);
    expect(s.mean).toBeCloseTo(0, 5);
    expect(s.sd).toBeCloseTo(1, 4);
    let c = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 63; x++) c += f[y * 64 + x] * f[y * 64 + x + 1];
    expect(c / (64 * 63)).toBeGreaterThan(0.9);
    expect(Array.from(smoothField(64, 64, 4, 11))).toEqual(Array.from(f));
  });

  it('stamps an anti-aliased disc, keeping the larger value where stamps overlap and clipping at the edges', () => {
    const map = new Float32Array(9 * 9);
    stampDisc(map, 9, 9, 4, 4, 2, 0.8);
    expect(map[4 * 9 + 4]).toBeCloseTo(0.8); // centre: fully covered
    expect(map[4 * 9 + 6]).toBeCloseTo(0.4); // on the rim (distance = radius): half covered
    expect(map[4 * 9 + 7]).toBe(0); // beyond radius + ½
    stampDisc(map, 9, 9, 4, 4, 2, 0.5);
    expect(map[4 * 9 + 4]).toBeCloseTo(0.8); // a weaker stamp does not lower it
    stampDisc(map, 9, 9, 0, 0, 1.5, 1);
    expect(map[0]).toBe(1);
    expect(map.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
