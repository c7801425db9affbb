/**
 * UniMIE guidance in closed form (unimie-algorithm.md §5 steps c–f, §9): the illumination model
 * y01 ≈ f·z01 + M, the exposure loss on 8×8 blocks, the guidance shift g of the posterior mean
 * and one gradient-descent step on f and M. No autodiff: every gradient is written out.
 */

import { gaussianPlanes } from './detail-transfer.js';

/** Edge of an exposure block (MI.py:75; the paper's 16 is not what the code runs). */
export const EXPOSURE_BLOCK = 8;

/**
 * The illumination model's gain: one scalar f for all channels (the reference), or one per
 * channel (preset `illuminationGain: per-channel`), each stepping on its own channel's MSE, so a
 * grey patch gives three equal gains equal to the scalar one. A per-channel power law (a dark
 * colour image) is closer to three gains than to one: with one, the data term pulls the colour
 * back towards the input's saturated cast.
 */
export type Gain = number | readonly [number, number, number];

/** The three channels' gains of either form. */
export function channelGains(f: Gain): [number, number, number] {
  return typeof f === 'number' ? [f, f, f] : [f[0], f[1], f[2]];
}

/** The largest gain magnitude (the data step limit follows the fastest channel). */
export function largestGain(f: Gain): number {
  const [a, b, c] = channelGains(f);
  return Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
}

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
  f: Gain;
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
 * (h·w); returns the updated gain, in the form it was given.
 *  g_c = −(s/N)·f_c·ρ_c − λ·s·2(R−E)/(3·64·K),  ρ_c = f_c·u_c + m − y01_c,  u = (z+1)/2,
 *  scalar f' = f − (2/N)·Σρu;  per channel f_c' = f_c − (2/hw)·Σρ_c·u_c (its own channel's MSE);
 *  m' = m − (2/N)·Σ_c ρ_c   (N = 3hw, K = hw/64).
 */
export function guidePatch(p: PatchGuidanceInput, params: GuidanceParams, g: Float32Array | Float64Array, mNext: Float32Array | Float64Array): Gain {
  const { z, y, m, h, w } = p;
  const [f0, f1, f2] = channelGains(p.f);
  const hw = h * w;
  const N = 3 * hw;
  const bw = w / EXPOSURE_BLOCK;
  const R = exposureBlockMeans(z, h, w);
  const { kData: [k0, k1, k2], kExp } = guidanceFactors(params, p.f, h, w);
  const expShift = new Float64Array(R.length);
  for (let b = 0; b < R.length; b++) {
    const e = targetOf(p.exposureTarget, b);
    expShift[b] = Number.isNaN(e) ? 0 : kExp * (R[b]! - e);
  }
  const hw2 = 2 * hw;
  if (params.residualSigma) return guidePatchLowPass(p, params.residualSigma, [k0, k1, k2], expShift, g, mNext);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let py = 0; py < h; py++) {
    const rowBase = ((py / EXPOSURE_BLOCK) | 0) * bw;
    for (let px = 0; px < w; px++) {
      const i = py * w + px;
      const e = expShift[rowBase + ((px / EXPOSURE_BLOCK) | 0)]!;
      const mi = m[i]!;
      const u0 = (z[i]! + 1) / 2;
      const u1 = (z[i + hw]! + 1) / 2;
      const u2 = (z[i + hw2]! + 1) / 2;
      const r0 = f0 * u0 + mi - (y[i]! + 1) / 2;
      const r1 = f1 * u1 + mi - (y[i + hw]! + 1) / 2;
      const r2 = f2 * u2 + mi - (y[i + hw2]! + 1) / 2;
      g[i] = k0 * r0 + e;
      g[i + hw] = k1 * r1 + e;
      g[i + hw2] = k2 * r2 + e;
      s0 += r0 * u0;
      s1 += r1 * u1;
      s2 += r2 * u2;
      mNext[i] = mi - (2 / N) * (r0 + r1 + r2);
    }
  }
  return nextGain(p.f, [s0, s1, s2], hw);
}

/**
 * The factors of g for a h×w patch: g_c = kData_c·ρ_c + kExp·(R − E) per block, with
 * kData_c = −(s_data/N)·f_c and kExp = −λ·s·2/(3·64·K).
 */
export function guidanceFactors(params: GuidanceParams, f: Gain, h: number, w: number): { kData: [number, number, number]; kExp: number } {
  const [f0, f1, f2] = channelGains(f);
  const hw = h * w;
  const kData = -((params.dataScale ?? params.scale) / (3 * hw));
  const K = hw / (EXPOSURE_BLOCK * EXPOSURE_BLOCK);
  return {
    kData: [kData * f0, kData * f1, kData * f2],
    kExp: (-params.exposureWeight * params.scale * 2) / (3 * EXPOSURE_BLOCK * EXPOSURE_BLOCK * K),
  };
}

/** One gradient step of the gain from the channels' Σρu (lr 1 on the MSE the gain belongs to). */
export function nextGain(f: Gain, sumRhoU: readonly [number, number, number], hw: number): Gain {
  if (typeof f === 'number') return f - (2 / (3 * hw)) * (sumRhoU[0] + sumRhoU[1] + sumRhoU[2]);
  return [f[0] - (2 / hw) * sumRhoU[0], f[1] - (2 / hw) * sumRhoU[1], f[2] - (2 / hw) * sumRhoU[2]];
}

/**
 * guidePatch with the residual low-passed (σ in pixels) before the mean shift and the M step:
 * the data term then moves only what the illumination model can explain at scales above σ.
 */
function guidePatchLowPass(
  p: PatchGuidanceInput,
  sigma: number,
  kData: readonly [number, number, number],
  expShift: Float64Array,
  g: Float32Array | Float64Array,
  mNext: Float32Array | Float64Array,
): Gain {
  const { z, y, m, h, w } = p;
  const f = channelGains(p.f);
  const hw = h * w;
  const N = 3 * hw;
  const bw = w / EXPOSURE_BLOCK;
  const rho = new Float32Array(N);
  const sumRhoU: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const fc = f[c]!;
    let acc = 0;
    for (let i = 0; i < hw; i++) {
      const u = (z[c * hw + i]! + 1) / 2;
      const r = fc * u + m[i]! - (y[c * hw + i]! + 1) / 2;
      rho[c * hw + i] = r;
      acc += r * u;
    }
    sumRhoU[c] = acc;
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
      g[i] = kData[0] * r0 + e;
      g[i + hw] = kData[1] * r1 + e;
      g[i + 2 * hw] = kData[2] * r2 + e;
      mNext[i] = m[i]! - (2 / N) * (r0 + r1 + r2);
    }
  }
  return nextGain(p.f, sumRhoU, hw);
}

/** MSE between f·u + m and y01 over the patch (the data term; also the f/M objective). */
export function illuminationMse(p: PatchGuidanceInput): number {
  const { z, y, m, h, w } = p;
  const f = channelGains(p.f);
  const hw = h * w;
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      const r = (f[c]! * (z[c * hw + i]! + 1)) / 2 + m[i]! - (y[c * hw + i]! + 1) / 2;
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
