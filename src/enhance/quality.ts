/**
 * Image quality measures for the evaluation and the quality gate (engine issue item 6;
 * unimie-algorithm.md §10). Pure; 8-bit images, gray planes H·W.
 */
import type { RgbImage } from '../render/rgb-image.js';
import { borderConnectedDark, BACKGROUND_FLOOR, BACKGROUND_LEVEL, quantile } from './conditioning.js';
import { isGrayImage, type EngineImage } from './image-planes.js';

/** Channel mean of an RGB or gray image as floats in [0, 255]. */
export function grayPlane(img: EngineImage): Float64Array {
  const hw = img.width * img.height;
  const out = new Float64Array(hw);
  if (isGrayImage(img)) {
    for (let i = 0; i < hw; i++) out[i] = img.gray[i]!;
  } else {
    for (let i = 0; i < hw; i++) out[i] = (img.data[3 * i]! + img.data[3 * i + 1]! + img.data[3 * i + 2]!) / 3;
  }
  return out;
}

/** PSNR in dB for 8-bit data (peak 255); Infinity for identical inputs. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('images differ in size');
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) k[i]! /= s;
  return k;
}

/** Separable 'valid' filtering of an H×W plane. */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): { data: Float64Array; w: number; h: number } {
  const n = k.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += k[j]! * src[y * w + x + j]!;
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += k[j]! * tmp[(y + j) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return { data: out, w: ow, h: oh };
}

/**
 * Mean SSIM (Wang et al. 2004): 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255,
 * over the valid region of two H×W gray planes.
 */
export function ssim(a: Float64Array, b: Float64Array, width: number, height: number): number {
  if (a.length !== width * height || b.length !== a.length) throw new RangeError('images differ in size');
  const size = Math.min(11, width, height);
  const k = gaussianKernel(size, 1.5);
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  const mulAB = a.map((v, i) => v * b[i]!);
  const mu1 = filterValid(a, width, height, k).data;
  const mu2 = filterValid(b, width, height, k).data;
  const s11 = filterValid(a.map((v) => v * v), width, height, k).data;
  const s22 = filterValid(b.map((v) => v * v), width, height, k).data;
  const s12 = filterValid(mulAB, width, height, k).data;
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i]!;
    const m2 = mu2[i]!;
    const v1 = s11[i]! - m1 * m1;
    const v2 = s22[i]! - m2 * m2;
    const cov = s12[i]! - m1 * m2;
    sum += ((2 * m1 * m2 + C1) * (2 * cov + C2)) / ((m1 * m1 + m2 * m2 + C1) * (v1 + v2 + C2));
  }
  return sum / mu1.length;
}

/** Shannon entropy in bits of the 256-bin histogram of the values (rounded), optionally masked. */
export function entropy(values: ArrayLike<number>, mask?: Uint8Array): number {
  const hist = new Float64Array(256);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    hist[Math.min(255, Math.max(0, Math.round(values[i]!)))]!++;
    n++;
  }
  if (n === 0) return 0;
  let h = 0;
  for (const c of hist) if (c > 0) h -= (c / n) * Math.log2(c / n);
  return h;
}

/** The input's background: dark pixels connected to the border (as the engine protects them). */
export function backgroundMask(gray255: Float64Array, width: number, height: number): Uint8Array {
  const unit = Float32Array.from(gray255, (v) => v / 255);
  const threshold = Math.max(BACKGROUND_FLOOR, BACKGROUND_LEVEL * quantile(unit, 0.99));
  return borderConnectedDark(unit, width, height, threshold);
}

/**
 * Lightness order error (paper Eq. 14–15, Wang et al. 2013): lightness = per-pixel RGB max;
 * both images are subsampled to about `side` pixels on the short side; the mean over pixels of
 * the number of pixel pairs whose lightness order differs between input and output.
 */
export function lightnessOrderError(input: EngineImage, output: EngineImage, side = 50): number {
  const L = (img: EngineImage): Float64Array => {
    const hw = img.width * img.height;
    const out = new Float64Array(hw);
    for (let i = 0; i < hw; i++) {
      out[i] = isGrayImage(img) ? img.gray[i]! : Math.max(img.data[3 * i]!, img.data[3 * i + 1]!, img.data[3 * i + 2]!);
    }
    return out;
  };
  const { width, height } = input;
  if (output.width !== width || output.height !== height) throw new RangeError('images differ in size');
  const step = Math.max(1, Math.floor(Math.min(width, height) / side));
  const sub = (p: Float64Array): Float64Array => {
    const vals: number[] = [];
    for (let y = 0; y < height; y += step) for (let x = 0; x < width; x += step) vals.push(p[y * width + x]!);
    return Float64Array.from(vals);
  };
  const a = sub(L(input));
  const b = sub(L(output));
  let errors = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a.length; j++) if (a[i]! >= a[j]! !== b[i]! >= b[j]!) errors++;
  }
  return errors / a.length;
}

export interface QualitySummary {
  meanIn: number;
  meanOut: number;
  entropyIn: number;
  entropyOut: number;
  backgroundEntropyIn: number;
  backgroundEntropyOut: number;
  backgroundFraction: number;
  /** Lightness order error of the output against the input (0 = every order kept). */
  lightnessOrderError: number;
}

/** Cheap no-reference figures for a derivation row. */
export function summariseQuality(input: EngineImage, output: RgbImage): QualitySummary {
  const a = grayPlane(input);
  const b = grayPlane(output);
  const mask = backgroundMask(a, input.width, input.height);
  let bg = 0;
  for (const m of mask) bg += m;
  const mean = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
  return {
    meanIn: mean(a),
    meanOut: mean(b),
    entropyIn: entropy(a),
    entropyOut: entropy(b),
    backgroundEntropyIn: entropy(a, mask),
    backgroundEntropyOut: entropy(b, mask),
    backgroundFraction: bg / mask.length,
    lightnessOrderError: lightnessOrderError(input, output),
  };
}
