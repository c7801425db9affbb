import { describe, expect, it } from 'vitest';
import { respaceSchedule, roundHalfEven, spaceTimesteps } from './respacing.js';
import { buildSchedule, linearBetas } from './schedule.js';

describe('respacing (spec §3, §8.4)', () => {
  const betas = linearBetas(1000);

  it('keeping all T steps reproduces β', () => {
    const r = respaceSchedule(betas, spaceTimesteps(1000, '1000'));
    const full = buildSchedule(betas);
    expect(r.length).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(Math.abs(r.betas[i]! - betas[i]!)).toBeLessThan(1e-15);
    expect(r.alphasCumprod[999]! / full.alphasCumprod[999]!).toBeCloseTo(1, 12);
  });

  it('ddim50 keeps {0, 20, …, 980}', () => {
    expect(spaceTimesteps(1000, 'ddim50')).toEqual(Array.from({ length: 50 }, (_, i) => 20 * i));
    expect(() => spaceTimesteps(1000, 'ddim999')).toThrow(RangeError);
  });

  it('section counts follow ADM space_timesteps with half-to-even rounding', () => {
    expect(spaceTimesteps(1000, 10)).toEqual([0, 111, 222, 333, 444, 555, 666, 777, 888, 999]);
    expect(spaceTimesteps(100, '3')).toEqual([0, 50, 99]); // acc 0, 49.5 → 50 (even), 99
    expect(spaceTimesteps(10, '2,3')).toEqual([0, 4, 5, 7, 9]);
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(2.4999)).toBe(2);
    expect(() => spaceTimesteps(10, '11')).toThrow(RangeError);
  });

  it('respaced ᾱ equal the kept original ᾱ and the network gets the kept indices', () => {
    const kept = spaceTimesteps(1000, 10);
    const r = respaceSchedule(betas, kept);
    const full = buildSchedule(betas);
    expect(r.timestepMap).toEqual(kept);
    kept.forEach((s, k) => expect(r.alphasCumprod[k]! / full.alphasCumprod[s]!).toBeCloseTo(1, 12));
  });
});
