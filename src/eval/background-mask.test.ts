import { describe, expect, it } from 'vitest';
import { borderConnected, cleanBackgroundMask, erodeMask, meanGradientMagnitude, otsuThreshold } from './background-mask.js';

const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);

/** A bright disc (radius r) on black, with a dark hole in its middle that touches no border. */
function discWithHole(size: number, r: number): { width: number; height: number; gray: Uint8Array } {
  const gray = new Uint8Array(size * size);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      gray[y * size + x] = d < r ? (d < r / 4 ? 10 : 180 + ((x + y) % 3)) : 5;
    }
  }
  return { width: size, height: size, gray };
}

describe('Otsu threshold', () => {
  it('splits two clusters between them', () => {
    const values = [...Array<number>(60).fill(20), ...Array<number>(40).fill(200)];
    const t = otsuThreshold(values);
    expect(t).toBeGreaterThanOrEqual(20);
    expect(t).toBeLessThan(200);
  });

  it('puts the split between the modes of noisy clusters', () => {
    const values: number[] = [];
    for (let i = 0; i < 500; i++) values.push(30 + (i % 11), 150 + (i % 13));
    const t = otsuThreshold(values);
    expect(t).toBeGreaterThanOrEqual(40);
    expect(t).toBeLessThan(150);
  });

  it('is 0 for a constant image', () => {
    expect(otsuThreshold(new Float64Array(16).fill(77))).toBe(0);
  });
});

describe('border-connected dark side, eroded', () => {
  it('keeps dark pixels reaching the border and drops an enclosed dark hole', () => {
    const img = discWithHole(32, 12);
    const mask = cleanBackgroundMask(img, 0);
    const c = 16 * 32 + 16;
    expect(mask[c]).toBe(0); // the hole: dark but enclosed
    expect(mask[0]).toBe(1);
    expect(mask[16 * 32 + 10]).toBe(0); // the disc
    const outside = img.gray.reduce((n, v, i) => n + (v === 5 && Math.hypot((i % 32) - 15.5, Math.floor(i / 32) - 15.5) >= 12 ? 1 : 0), 0);
    expect(count(mask)).toBe(outside);
  });

  it('erosion pulls the mask back from the object edge by r pixels', () => {
    const img = discWithHole(32, 12);
    const m0 = cleanBackgroundMask(img, 0);
    const m3 = cleanBackgroundMask(img, 3);
    expect(count(m3)).toBeLessThan(count(m0));
    for (let i = 0; i < m3.length; i++) {
      if (!m3[i]) continue;
      const x = i % 32;
      const y = Math.floor(i / 32);
      expect(Math.hypot(x - 15.5, y - 15.5)).toBeGreaterThan(12 + 2);
    }
    // Border pixels stay: the background goes on past the image edge.
    expect(m3[0]).toBe(1);
  });

  it('erodes a square by exactly r on each side that is not the border', () => {
    const w = 10;
    const mask = new Uint8Array(w * w);
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) mask[y * w + x] = 1;
    expect(count(erodeMask(mask, w, w, 1))).toBe(16);
    expect(count(erodeMask(mask, w, w, 3))).toBe(0);
    expect(erodeMask(mask, w, w, 0)).toEqual(mask);
  });

  it('flood fill follows 4-connectivity only', () => {
    // A dark diagonal: only its corner pixel touches the border.
    const w = 5;
    const mask = new Uint8Array(w * w);
    for (let i = 0; i < w; i++) mask[i * w + i] = 1;
    const b = borderConnected(mask, w, w);
    expect(count(b)).toBe(2); // (0,0) and (4,4)
  });
});

describe('mean gradient magnitude', () => {
  it('is 0 on a flat region and the slope on a ramp', () => {
    const w = 8;
    const all = new Uint8Array(w * w).fill(1);
    expect(meanGradientMagnitude(new Float64Array(w * w).fill(9), w, w, all)).toBe(0);
    const ramp = Float64Array.from({ length: w * w }, (_, i) => 3 * (i % w));
    expect(meanGradientMagnitude(ramp, w, w, all)).toBeCloseTo(3, 12);
  });

  it('counts only the masked pixels and grows with noise', () => {
    const w = 16;
    const mask = new Uint8Array(w * w);
    for (let i = 0; i < w * 4; i++) mask[i] = 1;
    const flatTop = Float64Array.from({ length: w * w }, (_, i) => (i < w * 6 ? 0 : ((i * 7919) % 50)));
    expect(meanGradientMagnitude(flatTop, w, w, mask)).toBe(0);
    const noisyTop = Float64Array.from({ length: w * w }, (_, i) => (i * 7919) % 50);
    expect(meanGradientMagnitude(noisyTop, w, w, mask)).toBeGreaterThan(10);
    expect(meanGradientMagnitude(noisyTop, w, w, new Uint8Array(w * w))).toBe(0);
  });
});
