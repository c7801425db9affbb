import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { BASELINES, chooseGamma, equalisationTable, equaliseHistogram, gammaCorrect, runBaseline } from './baselines.js';

/** A dark disc (foreground ≈ 40–80) on a black background. */
function darkDisc(size: number): GrayImage {
  const gray = new Uint8Array(size * size);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x - c) ** 2 + (y - c) ** 2 < (0.4 * size) ** 2) gray[y * size + x] = 40 + ((x * 7 + y * 3) % 41);
    }
  }
  return { width: size, height: size, gray };
}

function foregroundMean(img: GrayImage, ref: GrayImage): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < ref.gray.length; i++) if (ref.gray[i]! > 0) (s += img.gray[i]!), n++;
  return s / n;
}

describe('baselines', () => {
  const img = darkDisc(48);

  it('equalisation table maps the occupied range onto 0…255 monotonically', () => {
    const hist = new Float64Array(256);
    hist[10] = 5;
    hist[20] = 5;
    hist[30] = 10;
    const lut = equalisationTable(hist);
    expect(lut[10]).toBe(0);
    expect(lut[20]).toBe(85); // (10 − 5) / (20 − 5) of 255
    expect(lut[30]).toBe(255);
    for (let v = 1; v < 256; v++) expect(lut[v]!).toBeGreaterThanOrEqual(lut[v - 1]!);
  });

  it('histogram equalisation spreads a dark image over the full range', () => {
    const he = equaliseHistogram(img);
    expect(Math.max(...he.gray)).toBe(255);
    expect(foregroundMean(he, img)).toBeGreaterThan(foregroundMean(img, img) + 50);
  });

  it('gamma brings the foreground mean to about mid-grey and never darkens', async () => {
    const g = chooseGamma(img);
    expect(g).toBeGreaterThan(1);
    expect(g).toBeLessThanOrEqual(3);
    const out = await gammaCorrect(img);
    expect(foregroundMean(out, img)).toBeGreaterThan(100);
    expect(foregroundMean(out, img)).toBeLessThan(150);
    for (let i = 0; i < img.gray.length; i++) expect(out.gray[i]!).toBeGreaterThanOrEqual(img.gray[i]!);
    const bright: GrayImage = { width: 8, height: 8, gray: new Uint8Array(64).fill(200) };
    expect(chooseGamma(bright)).toBe(1);
  });

  it('every baseline keeps size and kind, and all but the input change a dark image', async () => {
    for (const name of BASELINES) {
      const out = await runBaseline(name, img);
      expect(out.width).toBe(48);
      expect(out.gray.length).toBe(48 * 48);
      const changed = out.gray.some((v, i) => v !== img.gray[i]);
      expect(changed, name).toBe(name !== 'input');
    }
    const rgb: RgbImage = { width: 16, height: 12, data: new Uint8Array(16 * 12 * 3).map((_, i) => 20 + (i % 37)) };
    for (const name of BASELINES) {
      const out = await runBaseline(name, rgb);
      expect(out.data.length, name).toBe(16 * 12 * 3);
    }
  });
});
