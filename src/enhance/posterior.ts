/**
 * x̂0 from ε and the DDPM posterior mean (unimie-algorithm.md §3). Pure, element-wise, in place
 * where the caller gives an output buffer.
 */
import type { DiffusionSchedule } from './schedule.js';

/**
 * x̂0 = √(1/ᾱ_t)·x_t − √(1/ᾱ_t − 1)·ε, clamped to [-1, 1] unless `clamp` is false.
 * `out` may alias neither input.
 */
export function predictX0FromEps(
  schedule: DiffusionSchedule,
  step: number,
  xt: ArrayLike<number>,
  eps: ArrayLike<number>,
  out: Float32Array | Float64Array,
  clamp = true,
): void {
  const a = schedule.sqrtRecipAlphasCumprod[step]!;
  const b = schedule.sqrtRecipm1AlphasCumprod[step]!;
  for (let i = 0; i < out.length; i++) {
    let v = a * xt[i]! - b * eps[i]!;
    if (clamp) v = v < -1 ? -1 : v > 1 ? 1 : v;
    out[i] = v;
  }
}

/** μ = c1_t·x̂0 + c2_t·x_t. */
export function posteriorMean(
  schedule: DiffusionSchedule,
  step: number,
  x0: ArrayLike<number>,
  xt: ArrayLike<number>,
  out: Float32Array | Float64Array,
): void {
  const c1 = schedule.posteriorMeanCoef1[step]!;
  const c2 = schedule.posteriorMeanCoef2[step]!;
  for (let i = 0; i < out.length; i++) out[i] = c1 * x0[i]! + c2 * xt[i]!;
}

/** q(x_t | x0): √ᾱ_t·x0 + √(1−ᾱ_t)·ε. */
export function diffuse(
  schedule: DiffusionSchedule,
  step: number,
  x0: ArrayLike<number>,
  noise: ArrayLike<number>,
  out: Float32Array | Float64Array,
): void {
  const a = Math.sqrt(schedule.alphasCumprod[step]!);
  const b = Math.sqrt(1 - schedule.alphasCumprod[step]!);
  for (let i = 0; i < out.length; i++) out[i] = a * x0[i]! + b * noise[i]!;
}
