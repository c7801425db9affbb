/**
 * Rician noise of magnitude MR images (Gudbjartsson & Patz, MRM 1995): the scanner measures a
 * complex signal with independent Gaussian noise of the same σ in the real and imaginary
 * channels, and the image is its magnitude |s + n₁ + i n₂|. At high SNR this is close to
 * Gaussian; at low SNR it is biased upwards (the background's mean is σ·√(π/2), not 0).
 * Pure given the random source.
 */
import type { Rng } from '../enhance/rng.js';
import { otsuThreshold } from './background-mask.js';

/** Magnitude of (signal + complex Gaussian noise of σ per channel), per sample. */
export function ricianMagnitude(signal: ArrayLike<number>, sigma: number, rng: Rng): Float64Array {
  if (!(sigma >= 0)) throw new RangeError(`Rician σ ${sigma} must be ≥ 0`);
  const out = new Float64Array(signal.length);
  for (let i = 0; i < signal.length; i++) out[i] = Math.hypot(signal[i]! + sigma * rng.normal(), sigma * rng.normal());
  return out;
}

/** Mean of the samples above Otsu's dark side: the "signal" of an SNR (foreground mean / σ). */
export function foregroundMean(samples: ArrayLike<number>): number {
  // Otsu's dark side is the rounded levels ≤ its threshold; the foreground starts one level up.
  const t = otsuThreshold(samples) + 1;
  let s = 0;
  let n = 0;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i]! >= t) {
      s += samples[i]!;
      n++;
    }
  }
  return n > 0 ? s / n : 0;
}
