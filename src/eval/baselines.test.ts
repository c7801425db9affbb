import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { BASELINES, chooseGamma, clahe, equalisationTable, equaliseHistogram, gammaCorrect, runBaseline } from './baselines.js';

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

/** Deterministic Gaussian noise of standard deviation `sigma` (mulberry32 + Box–Muller), clipped to 8 bits. */
function withNoise(img: GrayImage, sigma: number, seed: number): GrayImage {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gray = img.gray.map((v) => Math.min(255, Math.max(0, Math.round(v + sigma * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())))));
  return { ...img, gray };
}

/** A smooth dark slice: disc of 30…70 with a gradient and a brighter organ on black. */
function smoothDarkSlice(size: number): GrayImage {
  const gray = new Uint8Array(size * size);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x - c) ** 2 + (y - c) ** 2 > (0.42 * size) ** 2) continue;
      const organ = (x - 0.6 * size) ** 2 + (y - 0.45 * size) ** 2 < (0.12 * size) ** 2;
      gray[y * size + x] = organ ? 70 : 30 + Math.round((20 * x) / size);
    }
  }
  return { width: size, height: size, gray };
}

/** MSE over the pixels where `where` is non-zero (all pixels without it). */
function mse(a: GrayImage, b: GrayImage, where?: GrayImage): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.gray.length; i++) {
    if (where && where.gray[i] === 0) continue;
    s += (a.gray[i]! - b.gray[i]!) ** 2;
    n++;
  }
  return s / n;
}

function foregroundMean(img: GrayImage, ref: GrayImage): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < ref.gray.length; i++) if (ref.gray[i]! > 0) { s += img.gray[i]!; n++; }
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

  it('the denoiser baselines bring a noisy dark slice closer to what the classical step makes of the clean one', async () => {
    const clean = smoothDarkSlice(96);
    const noisy = withNoise(clean, 6, 11);
    const denoised = await runBaseline('denoise', noisy);
    expect(mse(denoised, clean)).toBeLessThan(mse(noisy, clean) / 2);
    // Measured in the body only: on the black background, noise clipped at 0 leaves any mean-preserving
    // denoiser a floor of about 0.4 σ, which gamma lifts to tens of grey levels (the baseline's real
    // weakness on low light, reported by the evaluation, not hidden here).
    const g = chooseGamma(clean);
    const gammaOfClean = await gammaCorrect(clean, g);
    const denoiseGamma = await runBaseline('denoise-gamma', noisy);
    expect(mse(denoiseGamma, gammaOfClean, clean)).toBeLessThan(mse(await gammaCorrect(noisy, g), gammaOfClean, clean) / 2);
    const claheOfClean = await clahe(clean);
    const denoiseClahe = await runBaseline('denoise-clahe', noisy);
    expect(mse(denoiseClahe, claheOfClean, clean)).toBeLessThan(mse(await clahe(noisy), claheOfClean, clean) / 2);
  });
});
