import { describe, expect, it } from 'vitest';
import { huToMu, lowDoseNoiseHu, MU_WATER_PER_MM, photonsForNoise, projectionNoise, type ScanGrid } from './ct-projection-noise.js';
import { maskedStats } from './sample-raster.js';

const grid: ScanGrid = { size: 64, pixelMm: 2 };
/** A water disc of radius 40 mm in air. */
function disc(): Float32Array {
  const mu = new Float32Array(64 * 64);
  for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) {
    if (Math.hypot((c + 0.5 - 32) * 2, (r + 0.5 - 32) * 2) <= 40) mu[r * 64 + c] = huToMu(0);
  }
  return mu;
}
const inside = (radiusMm: number) => (i: number) => Math.hypot(((i % 64) + 0.5 - 32) * 2, (Math.floor(i / 64) + 0.5 - 32) * 2) < radiusMm;

describe('CT projection noise', () => {
  it('converts HU to attenuation and back to water', () => {
    expect(huToMu(0)).toBe(MU_WATER_PER_MM);
    expect(huToMu(-1000)).toBe(0);
    expect(huToMu(-2000)).toBe(0);
  });

  it('is zero when every ray detects its expected count, and asks the counter once per ray', () => {
    const mu = Float64Array.from(disc(), (m) => m * grid.pixelMm);
    let rays = 0;
    const expected: number[] = [];
    const noise = projectionNoise(mu, 64, 64, { photons: 1e4, filter: 'hann', angles: 20 }, (e) => {
      rays++;
      expected.push(e);
      return e;
    });
    expect(rays % 20).toBe(0);
    expect(Math.max(...expected)).toBeCloseTo(1e4, 6); // rays that miss the disc
    // Through the 80 mm diameter (pixel-driven projection: a few bins of the diagonal views alias).
    expect(Math.min(...expected)).toBeGreaterThan(1e4 * Math.exp(-100 * MU_WATER_PER_MM));
    expect(Math.min(...expected)).toBeLessThan(1e4 * Math.exp(-76 * MU_WATER_PER_MM));
    for (const v of noise) expect(Math.abs(v)).toBeLessThan(1e-12);
  });

  it('gives zero-mean, correlated noise whose σ falls as 1/√I₀, deterministic from the seed', () => {
    const mu = disc();
    const low = lowDoseNoiseHu(mu, grid, { photons: 2e4, seed: 1, views: 100 });
    const high = lowDoseNoiseHu(mu, grid, { photons: 8e4, seed: 2, views: 100 });
    const sLow = maskedStats(low, inside(30));
    const sHigh = maskedStats(high, inside(30));
    expect(Math.abs(sLow.mean)).toBeLessThan(sLow.sd / 3);
    expect(sLow.sd / sHigh.sd).toBeGreaterThan(1.6); // √4 = 2, within sampling error
    expect(sLow.sd / sHigh.sd).toBeLessThan(2.5);
    let c = 0;
    let n = 0;
    for (let i = 0; i < low.length - 1; i++) {
      if (!inside(30)(i)) continue;
      c += (low[i] - sLow.mean) * (low[i + 1] - sLow.mean);
      n++;
    }
    expect(c / n / sLow.sd ** 2).toBeGreaterThan(0.2); // Hann-apodised ramp: neighbours correlate
    expect(Array.from(lowDoseNoiseHu(mu, grid, { photons: 2e4, seed: 1, views: 100 }))).toEqual(Array.from(low));
    expect(() => lowDoseNoiseHu(mu.subarray(1), grid, { photons: 2e4, seed: 1 })).toThrow(RangeError);
  });

  it('calibrates the photon count to a target noise level', () => {
    const mu = disc();
    const photons = photonsForNoise(mu, grid, inside(30), 40, 7);
    const noise = lowDoseNoiseHu(mu, grid, { photons, seed: 8 });
    const sd = maskedStats(noise, inside(30)).sd;
    expect(sd).toBeGreaterThan(34);
    expect(sd).toBeLessThan(46);
    expect(() => photonsForNoise(mu, grid, () => false, 40, 7)).toThrow(RangeError);
  });
});
