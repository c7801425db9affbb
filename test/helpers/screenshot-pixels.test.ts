import { describe, expect, it } from 'vitest';
import { fittedImageRect, rectContains, regionCorrelation, regionStats, type RgbaImage } from './screenshot-pixels.js';

/** A width x height RGBA image whose gray value at (x, y) is `gray(x, y)`. */
function image(width: number, height: number, gray: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data.fill(gray(x, y), i, i + 3);
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** A bright ellipse with a darker inset on black, centred at (cx, cy): a phantom-like slice. */
const slice = (cx: number, cy: number) => (x: number, y: number) => {
  const d = ((x - cx) / 30) ** 2 + ((y - cy) / 20) ** 2;
  return d > 1 ? 0 : d < 0.1 ? 60 : 160 + ((x * 7 + y * 3) % 40);
};

describe('screenshot pixels', () => {
  const whole = { x: 0, y: 0, width: 100, height: 80 };

  it('a black region: no spread, nothing lit, no box', () => {
    const s = regionStats(image(100, 80, () => 0), whole);
    expect(s).toEqual({ mean: 0, std: 0, litFraction: 0 });
  });

  it('a uniform gray region: lit everywhere but no spread', () => {
    const s = regionStats(image(100, 80, () => 128), whole);
    expect(s.std).toBeLessThan(1e-3);
    expect(s.litFraction).toBe(1);
    expect(s.litBox).toEqual(whole);
  });

  it('a drawn slice: spread, the lit share of an ellipse, and its bounding box', () => {
    const s = regionStats(image(100, 80, slice(50, 40)), whole);
    expect(s.std).toBeGreaterThan(50);
    expect(s.litFraction).toBeCloseTo((Math.PI * 30 * 20) / (100 * 80), 1);
    expect(s.litBox).toEqual({ x: 20, y: 20, width: 61, height: 41 });
  });

  it('measures only inside the rectangle, clipped to the image', () => {
    const img = image(100, 80, (x) => (x < 50 ? 0 : 200));
    expect(regionStats(img, { x: 0, y: 0, width: 50, height: 80 }).litFraction).toBe(0);
    expect(regionStats(img, { x: 60, y: -10, width: 100, height: 100 }).litBox).toEqual({ x: 60, y: 0, width: 40, height: 80 });
    expect(() => regionStats(img, { x: 200, y: 0, width: 10, height: 10 })).toThrow(/empty region/);
  });

  it('correlation: the same slice in two places is ~1, a shifted or flat one is not', () => {
    const a = image(100, 80, slice(50, 40));
    const b = image(120, 80, slice(60, 40));
    expect(regionCorrelation(a, whole, b, { x: 0, y: 0, width: 120, height: 80 })).toBeGreaterThan(0.99);
    const shifted = image(100, 80, slice(30, 40));
    expect(regionCorrelation(a, whole, shifted, whole)).toBeLessThan(0.5);
    expect(regionCorrelation(a, whole, image(100, 80, () => 0), whole)).toBeNaN();
  });

  it('fits an image into a canvas keeping its aspect, centred', () => {
    expect(fittedImageRect({ width: 536, height: 742 }, 160, 120)).toEqual({ x: 0, y: 170, width: 536, height: 402 });
    expect(fittedImageRect({ width: 400, height: 100 }, 160, 120)).toEqual({ x: (400 - 400 / 3) / 2, y: 0, width: 400 / 3, height: 100 });
  });

  it('rectangle containment with slack', () => {
    const outer = { x: 10, y: 10, width: 100, height: 50 };
    expect(rectContains(outer, { x: 10, y: 10, width: 100, height: 50 })).toBe(true);
    expect(rectContains(outer, { x: 9, y: 10, width: 101, height: 50 })).toBe(true);
    expect(rectContains(outer, { x: 5, y: 10, width: 50, height: 50 })).toBe(false);
    expect(rectContains(outer, { x: 10, y: 10, width: 100, height: 53 })).toBe(false);
  });
});
