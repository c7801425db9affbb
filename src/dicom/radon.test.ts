import { describe, expect, it } from 'vitest';
import { backproject, detectorBins, fbp, filterSinogram, projectionAngles, radon, rampFilter } from './radon.js';

function disc(n: number, r: number): Float64Array {
  const c = (n - 1) / 2;
  return new Float64Array(n * n).map((_, i) => (Math.hypot((i % n) - c, Math.floor(i / n) - c) <= r ? 1 : 0));
}

describe('Radon transform and filtered back-projection', () => {
  it("a disc's projection is its chord length at every angle", () => {
    const n = 64;
    const r = 20;
    const s = radon(disc(n, r), n, n);
    expect(s.angles).toBe(projectionAngles(n));
    expect(s.bins).toBe(detectorBins(n, n));
    const centre = (s.bins - 1) / 2;
    for (let a = 0; a < s.angles; a += 7) {
      for (const d of [0, 6, 12, 17]) {
        const chord = 2 * Math.sqrt(r * r - d * d);
        expect(Math.abs(s.data[a * s.bins + centre + d]! - chord)).toBeLessThan(1.2);
        expect(Math.abs(s.data[a * s.bins + centre - d]! - chord)).toBeLessThan(1.2);
      }
      expect(s.data[a * s.bins + centre + 23]).toBeCloseTo(0, 12);
    }
  });

  it('back-projection is the transpose of projection (up to π/angles)', () => {
    const w = 20;
    const h = 14;
    const x = new Float64Array(w * h).map((_, i) => Math.sin(0.37 * i) + 0.5);
    const s = radon(x, w, h, 30);
    const y = new Float64Array(s.data.length).map((_, i) => Math.cos(0.11 * i));
    let lhs = 0;
    for (let i = 0; i < y.length; i++) lhs += s.data[i]! * y[i]!;
    const bt = backproject({ ...s, data: y }, w, h);
    let rhs = 0;
    for (let i = 0; i < x.length; i++) rhs += x[i]! * bt[i]!;
    expect(rhs * (s.angles / Math.PI)).toBeCloseTo(lhs, 8);
  });

  it('FBP of the Radon transform reproduces a smooth phantom (every window)', () => {
    const n = 64;
    const c = (n - 1) / 2;
    const g = new Float64Array(n * n).map((_, i) => {
      const x = (i % n) - c;
      const y = Math.floor(i / n) - c;
      return Math.exp(-((x - 5) ** 2 + (y + 3) ** 2) / 72) + 0.5 * Math.exp(-((x + 8) ** 2 + (y - 6) ** 2) / 32);
    });
    for (const window of ['ram-lak', 'hann', 'shepp-logan'] as const) {
      const rec = fbp(radon(g, n, n), n, n, window);
      let se = 0;
      let maxErr = 0;
      for (let i = 0; i < g.length; i++) {
        se += (rec[i]! - g[i]!) ** 2;
        maxErr = Math.max(maxErr, Math.abs(rec[i]! - g[i]!));
      }
      expect(Math.sqrt(se / g.length)).toBeLessThan(0.01);
      expect(maxErr).toBeLessThan(0.04);
    }
  });

  it('the filter is a ramp: no DC gain, rising to Nyquist; Hann rolls it off to 0 there', () => {
    const ramLak = rampFilter(64, 'ram-lak');
    const hann = rampFilter(64, 'hann');
    expect(Math.abs(ramLak[0]!)).toBeLessThan(0.01);
    expect(ramLak[32]).toBeCloseTo(0.5, 2);
    expect(ramLak[8]).toBeCloseTo(8 / 64, 2);
    expect(hann[32]).toBeCloseTo(0, 10);
    expect(hann[8]).toBeCloseTo((8 / 64) * 0.5 * (1 + Math.cos((2 * Math.PI * 8) / 64)), 2);
  });

  it('filtering a single-bin projection gives the spatial ramp kernel (no wrap-around)', () => {
    const bins = 41;
    const data = new Float64Array(2 * bins);
    data[bins + 20] = 1;
    const out = filterSinogram({ angles: 2, bins, data }, 'ram-lak').data;
    for (let b = 0; b < bins; b++) expect(out[b]).toBeCloseTo(0, 12);
    expect(out[bins + 20]).toBeCloseTo(0.25, 12);
    for (const k of [1, 3, 19]) {
      expect(out[bins + 20 + k]).toBeCloseTo(-1 / (Math.PI * k) ** 2, 12);
      expect(out[bins + 20 - k]).toBeCloseTo(-1 / (Math.PI * k) ** 2, 12);
    }
    for (const k of [2, 4, 20]) expect(out[bins + 20 - k]).toBeCloseTo(0, 12);
  });
});
