/**
 * Detail-preserving recomposition: the output keeps the sampler's illumination (its low-pass)
 * but takes its fine structure from the input, scaled by the local illumination change and
 * optionally boosted. Nothing finer than the low-pass scale can then be invented by the prior,
 * and edges the input has are kept (a blurred input comes out slightly sharper, not smoother).
 * Pure; planar 3×H×W images in [0, 1].
 */

/** Offset that keeps the illumination ratio finite on black pixels. */
export const GAIN_EPSILON = 0.02;
/** Largest illumination ratio applied to the input's detail. */
export const MAX_DETAIL_GAIN = 6;

/** Sharpness ratio at or below which an input counts as blurred (full boost). */
export const BLURRED_RATIO = 0.3;
/** Sharpness ratio at or above which an input counts as sharp (no boost). */
export const SHARP_RATIO = 0.44;

/**
 * Energy of the finest band (gray − G₁) over the next band (G₁ − G₂) of a luminance plane.
 * Measured on CT, MR and endoscopy slices: 0.47–3.0 as acquired, 0.21–0.35 after a Gaussian
 * blur of σ 1.2–1.5 px; illumination changes leave it alone (it is a ratio of the same image's bands).
 */
export function sharpnessRatio(gray: Float32Array, width: number, height: number): number {
  const g1 = gaussianPlanes(gray, 1, width, height, 1);
  const g2 = gaussianPlanes(g1, 1, width, height, Math.sqrt(3));
  let fine = 0;
  let mid = 0;
  for (let i = 0; i < gray.length; i++) {
    fine += (gray[i]! - g1[i]!) ** 2;
    mid += (g1[i]! - g2[i]!) ** 2;
  }
  return mid > 0 ? fine / mid : Number.POSITIVE_INFINITY;
}

/** Fraction of the preset's detail boost an input gets: 1 when blurred, 0 when sharp, smoothstep between. */
export function boostWeight(ratio: number): number {
  const t = Math.min(1, Math.max(0, (SHARP_RATIO - ratio) / (SHARP_RATIO - BLURRED_RATIO)));
  return t * t * (3 - 2 * t);
}

export interface DetailTransferOptions {
  /** Standard deviation (pixels) of the Gaussian separating illumination from detail. */
  sigma: number;
  /** Detail gain on top of the illumination ratio (0 = the input's detail as is). */
  boost: number;
}

/** Normalised 1-D Gaussian kernel of radius ⌈3σ⌉. */
export function gaussianKernel1d(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) s += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/** Separable Gaussian blur of each plane, edges clamped. */
export function gaussianPlanes(src: Float32Array, planes: number, width: number, height: number, sigma: number): Float32Array {
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  const hw = width * height;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let c = 0; c < planes; c++) {
    const o = c * hw;
    for (let y = 0; y < height; y++) {
      const row = o + y * width;
      for (let x = 0; x < width; x++) {
        let s = 0;
        if (x >= r && x < width - r) {
          // Interior: no edge clamping (most pixels).
          for (let j = -r; j <= r; j++) s += k[j + r]! * src[row + x + j]!;
        } else {
          for (let j = -r; j <= r; j++) s += k[j + r]! * src[row + Math.min(width - 1, Math.max(0, x + j))]!;
        }
        tmp[row + x] = s;
      }
    }
    for (let y = 0; y < height; y++) {
      const interior = y >= r && y < height - r;
      for (let x = 0; x < width; x++) {
        let s = 0;
        if (interior) {
          for (let j = -r; j <= r; j++) s += k[j + r]! * tmp[o + (y + j) * width + x]!;
        } else {
          for (let j = -r; j <= r; j++) s += k[j + r]! * tmp[o + Math.min(height - 1, Math.max(0, y + j)) * width + x]!;
        }
        out[o + y * width + x] = s;
      }
    }
  }
  return out;
}

/**
 * low(output) + g · (input − low(input)) + boost · b(g) · g · (input − fine(input)), per plane,
 * result clamped to [0, 1]: g = (low(output) + ε) / (low(input) + ε) clamped to
 * [0, MAX_DETAIL_GAIN] is the illumination change, fine() a Gaussian of half the σ (the band a
 * blur removes first), and b(g) = clamp(2 − g, 0, 1) keeps the boost off where the sampler
 * brightened strongly (the detail there is already amplified by g, and so is its quantisation noise).
 */
export function transferDetail(input: Float32Array, output: Float32Array, width: number, height: number, opts: DetailTransferOptions): Float32Array {
  if (input.length !== output.length) throw new RangeError('input and output differ in size');
  const planes = input.length / (width * height);
  const lowIn = gaussianPlanes(input, planes, width, height, opts.sigma);
  const lowOut = gaussianPlanes(output, planes, width, height, opts.sigma);
  const fineIn = opts.boost > 0 ? gaussianPlanes(input, planes, width, height, opts.sigma / 2) : input;
  const result = new Float32Array(input.length);
  for (let i = 0; i < result.length; i++) {
    const g = Math.min(MAX_DETAIL_GAIN, Math.max(0, (lowOut[i]! + GAIN_EPSILON) / (lowIn[i]! + GAIN_EPSILON)));
    const b = opts.boost * Math.min(1, Math.max(0, 2 - g));
    const v = lowOut[i]! + g * (input[i]! - lowIn[i]!) + b * g * (input[i]! - fineIn[i]!);
    result[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return result;
}
