/**
 * UniMIE guidance in closed form (unimie-algorithm.md §5 steps c–f, §9): the illumination model
 * y01 ≈ f·z01 + M, the exposure loss on 8×8 blocks, the guidance shift g of the posterior mean
 * and one gradient-descent step on f and M. No autodiff: every gradient is written out.
 */

import { gaussianPlanes } from './detail-transfer.js';

/** Edge of an exposure block (MI.py:75; the paper's 16 is not what the code runs). */
export const EXPOSURE_BLOCK = 8;

/** Guidance constants of one step. */
export interface GuidanceParams {
  /** s (reference 1e5), already multiplied by any respacing factor. */
  scale: number;
  /** λ_exp as a fraction of s (reference 0.01). */
  exposureWeight: number;
  /** s of the data (MSE) term when it differs from `scale` (stability limit); default `scale`. */
  dataScale?: number;
  /**
   * σ (pixels) of a Gaussian low-pass of the residual ρ before it enters the mean shift and the
   * M update (the f step keeps the exact gradient); 0 or absent = per pixel, as the reference.
   */
  residualSigma?: number;
}

/**
 * One patch: z is the guided estimate (clamped x̂0 in x0 mode, x_t in xt mode), y the input,
 * both 3×h×w in [-1, 1]; m the h×w crop of M.
 */
export interface PatchGuidanceInput {
  z: ArrayLike<number>;
  y: ArrayLike<number>;
  m: ArrayLike<number>;
  f: number;
  h: number;
  w: number;
  /**
   * E in [-1, 1]: one number for every block, or one per 8×8 block of the patch
   * ((h/8)·(w/8), row-major); NaN marks a block that is not pulled (background).
   */
  exposureTarget: number | ArrayLike<number>;
}

/** Mean of z over the 3 channels and each 8×8 block, row-major over blocks. */
export function exposureBlockMeans(z: ArrayLike<number>, h: number, w: number): Float64Array {
  checkBlockGeometry(h, w);
  const bw = w / EXPOSURE_BLOCK;
  const hw = h * w;
  const R = new Float64Array((h / EXPOSURE_BLOCK) * bw);
  for (let c = 0; c < 3; c++) {
    for (let py = 0; py < h; py++) {
      const rowBase = ((py / EXPOSURE_BLOCK) | 0) * bw;
      const off = c * hw + py * w;
      for (let px = 0; px < w; px++) R[rowBase + ((px / EXPOSURE_BLOCK) | 0)]! += z[off + px]!;
    }
  }
  const n = 3 * EXPOSURE_BLOCK * EXPOSURE_BLOCK;
  for (let b = 0; b < R.length; b++) R[b]! /= n;
  return R;
}

function checkBlockGeometry(h: number, w: number): void {
  if (h % EXPOSURE_BLOCK !== 0 || w % EXPOSURE_BLOCK !== 0) {
    throw new RangeError(`patch ${h}×${w} is not a multiple of the ${EXPOSURE_BLOCK}-pixel exposure block`);
  }
}

function targetOf(target: number | ArrayLike<number>, block: number): number {
  return typeof target === 'number' ? target : target[block]!;
}

/**
 * Guidance shift and degradation update for one patch.
 * Writes g (before the n_apply factor) into `g` (3·h·w) and the updated M crop into `mNext`
 * (h·w); returns the updated f.
 *  g = −(s/N)·f·ρ − λ·s·2(R−E)/(3·64·K),  ρ = f·u + m − y01,  u = (z+1)/2,
 *  f' = f − (2/N)·Σρu,  m' = m − (2/N)·Σ_c ρ_c   (N = 3hw, K = hw/64).
 */
export function guidePatch(p: PatchGuidanceInput, params: GuidanceParams, g: Float32Array | Float64Array, mNext: Float32Array | Float64Array): number {
  const { z, y, m, f, h, w } = p;
  const hw = h * w;
  const N = 3 * hw;
  const bw = w / EXPOSURE_BLOCK;
  const K = hw / (EXPOSURE_BLOCK * EXPOSURE_BLOCK);
  const R = exposureBlockMeans(z, h, w);
  const kMse = -((params.dataScale ?? params.scale) / N) * f;
  const kExp = (-params.exposureWeight * params.scale * 2) / (3 * EXPOSURE_BLOCK * EXPOSURE_BLOCK * K);
  const expShift = new Float64Array(R.length);
  for (let b = 0; b < R.length; b++) {
    const e = targetOf(p.exposureTarget, b);
    expShift[b] = Number.isNaN(e) ? 0 : kExp * (R[b]! - e);
  }
  const hw2 = 2 * hw;
  if (params.residualSigma) return guidePatchLowPass(p, params.residualSigma, kMse, expShift, g, mNext);
  let sumRhoU = 0;
  for (let py = 0; py < h; py++) {
    const rowBase = ((py / EXPOSURE_BLOCK) | 0) * bw;
    for (let px = 0; px < w; px++) {
      const i = py * w + px;
      const e = expShift[rowBase + ((px / EXPOSURE_BLOCK) | 0)]!;
      const mi = m[i]!;
      const u0 = (z[i]! + 1) / 2;
      const u1 = (z[i + hw]! + 1) / 2;
      const u2 = (z[i + hw2]! + 1) / 2;
      const r0 = f * u0 + mi - (y[i]! + 1) / 2;
      const r1 = f * u1 + mi - (y[i + hw]! + 1) / 2;
      const r2 = f * u2 + mi - (y[i + hw2]! + 1) / 2;
      g[i] = kMse * r0 + e;
      g[i + hw] = kMse * r1 + e;
      g[i + hw2] = kMse * r2 + e;
      sumRhoU += r0 * u0 + r1 * u1 + r2 * u2;
      mNext[i] = mi - (2 / N) * (r0 + r1 + r2);
    }
  }
  return f - (2 / N) * sumRhoU;
}

/**
 * guidePatch with the residual low-passed (σ in pixels) before the mean shift and the M step:
 * the data term then moves only what the illumination model can explain at scales above σ.
 */
function guidePatchLowPass(
  p: PatchGuidanceInput,
  sigma: number,
  kMse: number,
  expShift: Float64Array,
  g: Float32Array | Float64Array,
  mNext: Float32Array | Float64Array,
): number {
  const { z, y, m, f, h, w } = p;
  const hw = h * w;
  const N = 3 * hw;
  const bw = w / EXPOSURE_BLOCK;
  const rho = new Float32Array(N);
  let sumRhoU = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      const u = (z[c * hw + i]! + 1) / 2;
      const r = f * u + m[i]! - (y[c * hw + i]! + 1) / 2;
      rho[c * hw + i] = r;
      sumRhoU += r * u;
    }
  }
  const smooth = gaussianPlanes(rho, 3, w, h, sigma);
  for (let py = 0; py < h; py++) {
    const rowBase = ((py / EXPOSURE_BLOCK) | 0) * bw;
    for (let px = 0; px < w; px++) {
      const i = py * w + px;
      const e = expShift[rowBase + ((px / EXPOSURE_BLOCK) | 0)]!;
      const r0 = smooth[i]!;
      const r1 = smooth[i + hw]!;
      const r2 = smooth[i + 2 * hw]!;
      g[i] = kMse * r0 + e;
      g[i + hw] = kMse * r1 + e;
      g[i + 2 * hw] = kMse * r2 + e;
      mNext[i] = m[i]! - (2 / N) * (r0 + r1 + r2);
    }
  }
  return f - (2 / N) * sumRhoU;
}

/** MSE between f·u + m and y01 over the patch (the data term; also the f/M objective). */
export function illuminationMse(p: PatchGuidanceInput): number {
  const { z, y, m, f, h, w } = p;
  const hw = h * w;
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      const r = (f * (z[c * hw + i]! + 1)) / 2 + m[i]! - (y[c * hw + i]! + 1) / 2;
      sum += r * r;
    }
  }
  return sum / (3 * hw);
}

/** Exposure loss: mean over blocks of (R−E)², blocks with a NaN target contributing 0. */
export function exposureLoss(z: ArrayLike<number>, h: number, w: number, target: number | ArrayLike<number>): number {
  const R = exposureBlockMeans(z, h, w);
  let sum = 0;
  for (let b = 0; b < R.length; b++) {
    const e = targetOf(target, b);
    if (!Number.isNaN(e)) sum += (R[b]! - e) ** 2;
  }
  return sum / R.length;
}

/** The objective whose negative gradient in z is g: s·MSE + λ·s·L_exp. */
export function guidanceObjective(p: PatchGuidanceInput, params: GuidanceParams): number {
  return params.scale * illuminationMse(p) + params.exposureWeight * params.scale * exposureLoss(p.z, p.h, p.w, p.exposureTarget);
}
