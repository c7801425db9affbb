import { describe, expect, it } from 'vitest';
import { unevenField, vignettingField } from './noise-fields.js';

function maxStep(f: Float64Array, w: number, h: number): number {
  let m = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x + 1 < w) m = Math.max(m, Math.abs(f[y * w + x + 1]! - f[y * w + x]!));
      if (y + 1 < h) m = Math.max(m, Math.abs(f[(y + 1) * w + x]! - f[y * w + x]!));
    }
  }
  return m;
}

describe('illumination fields', () => {
  it('vignetting is 1 on the optical axis, 1 − fall-off at the farthest corner, and falls off radially', () => {
    const f = vignettingField(40, 30, { centreX: 25, centreY: 12, cornerFalloff: 0.5 });
    expect(f[12 * 40 + 25]).toBeCloseTo(1, 12);
    expect(f[29 * 40 + 0]).toBeCloseTo(0.5, 12);
    for (let x = 26; x < 40; x++) expect(f[12 * 40 + x]!).toBeLessThan(f[12 * 40 + x - 1]!);
    expect(Math.min(...f)).toBeCloseTo(0.5, 12);
    expect(maxStep(f, 40, 30)).toBeLessThan(0.05);
    expect(() => vignettingField(4, 4, { centreX: 1, centreY: 1, cornerFalloff: 1 })).toThrow(RangeError);
  });

  it('uneven light spans [minimum, 1] smoothly and grows along its direction', () => {
    const w = 64;
    const h = 48;
    const f = unevenField(w, h, { angle: 0, spotX: 50, spotY: 24, spotSpread: 0.5, minimum: 0.25 });
    expect(Math.min(...f)).toBeCloseTo(0.25, 12);
    expect(Math.max(...f)).toBeCloseTo(1, 12);
    expect(f[24 * w + 50]!).toBeGreaterThan(f[24 * w + 5]! + 0.4);
    expect(maxStep(f, w, h)).toBeLessThan(0.05);
    expect(() => unevenField(4, 4, { angle: 0, spotX: 0, spotY: 0, spotSpread: 0.5, minimum: 0 })).toThrow(RangeError);
  });
});
