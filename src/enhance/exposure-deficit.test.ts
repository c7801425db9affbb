import { describe, expect, it } from 'vitest';
import {
  UNDEREXPOSED_BRIGHT_END,
  WELL_EXPOSED_BRIGHT_END,
  brightenedMean,
  brighteningWeight,
  localBrightEnd,
} from './exposure-deficit.js';

describe('brightening weight from the bright end', () => {
  it('is 1 when underexposed, 0 when well exposed, and monotone and continuous between', () => {
    expect(brighteningWeight(0.2)).toBe(1);
    expect(brighteningWeight(UNDEREXPOSED_BRIGHT_END)).toBe(1);
    expect(brighteningWeight(WELL_EXPOSED_BRIGHT_END)).toBe(0);
    expect(brighteningWeight(1)).toBe(0);
    let prev = 1;
    for (let b = UNDEREXPOSED_BRIGHT_END; b <= WELL_EXPOSED_BRIGHT_END; b += 0.01) {
      const w = brighteningWeight(b);
      expect(w).toBeLessThanOrEqual(prev);
      expect(prev - w).toBeLessThan(0.07);
      prev = w;
    }
  });

  it('moves the mean towards the target only by the weight, and never darkens', () => {
    expect(brightenedMean(0.1, 1, 0.5)).toBe(0.5);
    expect(brightenedMean(0.1, 0, 0.5)).toBe(0.1);
    expect(brightenedMean(0.1, 0.5, 0.5)).toBeCloseTo(0.3, 12);
    expect(brightenedMean(0.7, 1, 0.5)).toBe(0.7);
  });
});

describe('local bright end', () => {
  it('follows an illumination field: high where the bright structures are lit, low where they are dim', () => {
    const w = 96;
    const h = 96;
    const gray = new Float32Array(w * h);
    // Bright dots on a mid-grey object, dimmed from 1 (left) to 0.2 (right).
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const field = 1 - 0.8 * (x / (w - 1));
        const dot = x % 12 < 3 && y % 12 < 3 ? 1 : 0.4;
        gray[y * w + x] = dot * field;
      }
    }
    const b = localBrightEnd(gray, w, h);
    expect(b[48 * w + 2]).toBeGreaterThan(0.85);
    expect(b[48 * w + 93]).toBeLessThan(0.45);
    for (let x = 1; x < w; x++) expect(b[48 * w + x]).toBeLessThanOrEqual(b[48 * w + x - 1]! + 1e-6);
  });

  it('ignores a single hot pixel', () => {
    const w = 64;
    const gray = new Float32Array(w * w).fill(0.2);
    gray[32 * w + 32] = 1;
    const b = localBrightEnd(gray, w, w);
    expect(Math.max(...b)).toBeLessThan(0.3);
  });
});
