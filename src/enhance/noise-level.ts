/**
 * The input's noise level and the diffusion timestep that matches it. A noisy input is treated as
 * a point on the forward process: the sampler starts where the diffusion noise reaches the
 * input's own, so the prior's denoising (x̂0 from x_t) removes that noise instead of the guidance
 * copying it back. Pure.
 */

import { luminance } from './conditioning.js';

/** Median absolute deviation → standard deviation for a Gaussian. */
const MAD_TO_SIGMA = 0.6745;

/**
 * Standard deviation of white noise in a plane, from the median absolute value of the finest
 * diagonal Haar band (Donoho's estimator; structure lives mostly in the other bands). Blocks with
 * any masked-out pixel are skipped; NaN when no block is left.
 */
export function estimateNoiseSigma(plane: ArrayLike<number>, width: number, height: number, include?: ArrayLike<number>): number {
  const values: number[] = [];
  for (let y = 0; y + 1 < height; y += 2) {
    for (let x = 0; x + 1 < width; x += 2) {
      const i = y * width + x;
      if (include && !(include[i] && include[i + 1] && include[i + width] && include[i + width + 1])) continue;
      // Orthonormal Haar HH coefficient: (a − b − c + d) / 2 has the noise's σ.
      values.push(Math.abs(plane[i]! - plane[i + 1]! - plane[i + width]! + plane[i + width + 1]!) / 2);
    }
  }
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  const median = values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  return median / MAD_TO_SIGMA;
}

/**
 * Noise σ judged at two scales: the finest Haar band of the plane and of its 2×2 block means
 * (times 2, so white noise reads the same at both). Correlated noise (filtered back-projection
 * texture, noise resized up) is stronger at the coarser scale; the larger of the two is what the
 * prior has to remove.
 */
export function estimateNoiseSigmaTwoScales(plane: ArrayLike<number>, width: number, height: number, include?: ArrayLike<number>): number {
  const fine = estimateNoiseSigma(plane, width, height, include);
  const w2 = width >> 1;
  const h2 = height >> 1;
  const coarse = new Float32Array(w2 * h2);
  const inc2 = include ? new Uint8Array(w2 * h2) : undefined;
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      const i = 2 * y * width + 2 * x;
      coarse[y * w2 + x] = (plane[i]! + plane[i + 1]! + plane[i + width]! + plane[i + width + 1]!) / 4;
      if (inc2 && include) inc2[y * w2 + x] = include[i] && include[i + 1] && include[i + width] && include[i + width + 1] ? 1 : 0;
    }
  }
  const second = 2 * estimateNoiseSigma(coarse, w2, h2, inc2);
  if (!Number.isFinite(second)) return fine;
  return Number.isFinite(fine) ? Math.max(fine, second) : second;
}

/**
 * The input's own noise σ in [0, 1] units, before any conditioning: the two-scale estimate of each
 * channel (a channel mean would hide colour noise, which is independent per channel), averaged,
 * over pixels that are not clipped (black air or burnt-out highlights carry no noise).
 */
export function inputNoiseSigma(planarUnit: Float32Array, width: number, height: number): number {
  const unclipped = luminance(planarUnit, width * height).map((v) => (v > 0 && v < 1 ? 1 : 0));
  const sigma = channelMeanNoiseSigma(planarUnit, width, height, unclipped);
  return Number.isFinite(sigma) ? sigma : 0;
}

/**
 * Two-scale noise σ of each plane of a planar 3×H×W image, averaged (in the image's units); NaN
 * when `include` leaves no 2×2 block (the same for every plane, which share the mask).
 */
export function channelMeanNoiseSigma(planar: Float32Array, width: number, height: number, include?: ArrayLike<number>): number {
  const hw = width * height;
  let sum = 0;
  for (let c = 0; c < 3; c++) sum += estimateNoiseSigmaTwoScales(planar.subarray(c * hw, (c + 1) * hw), width, height, include);
  return sum / 3;
}

/**
 * The first training timestep whose noise, seen in x̂0 units (√((1−ᾱ_t)/ᾱ_t)), reaches
 * `factor`·σ (σ in [-1, 1] units), clamped to [minStep, maxStep].
 */
export function noiseMatchedTimestep(alphasCumprod: ArrayLike<number>, sigma: number, factor: number, minStep: number, maxStep: number): number {
  const want = factor * (Number.isFinite(sigma) ? sigma : 0);
  let t = 0;
  while (t < alphasCumprod.length - 1 && Math.sqrt((1 - alphasCumprod[t]!) / alphasCumprod[t]!) < want) t++;
  return Math.min(maxStep, Math.max(minStep, t));
}
