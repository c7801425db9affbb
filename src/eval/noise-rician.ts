/**
 * Rician noise of magnitude MR images (Gudbjartsson & Patz, MRM 1995): the scanner measures a
 * complex signal with independent Gaussian noise of the same σ in the real and imaginary
 * channels, and the image is its magnitude |s + n₁ + i n₂|. At high SNR this is close to
 * Gaussian; at low SNR it is biased upwards (the background's mean is σ·√(π/2), not 0).
 * Pure given the random source.
 */
import type { Rng } from '../enhance/rng.js';

/** Magnitude of (signal + complex Gaussian noise of σ per channel), per sample. */
export function ricianMagnitude(signal: ArrayLike<number>, sigma: number, rng: Rng): Float64Array {
  if (!(sigma >= 0)) throw new RangeError(`Rician σ ${sigma} must be ≥ 0`);
  const out = new Float64Array(signal.length);
  for (let i = 0; i < signal.length; i++) out[i] = Math.hypot(signal[i]! + sigma * rng.normal(), sigma * rng.normal());
  return out;
}

/** Otsu's threshold of 8-bit samples: the level t that best separates [0, t) from [t, 255]. */
export function otsuThreshold(samples: ArrayLike<number>): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < samples.length; i++) hist[Math.min(255, Math.max(0, Math.round(samples[i]!)))]!++;
  const n = samples.length;
  let total = 0;
  for (let v = 0; v < 256; v++) total += v * hist[v]!;
  let best = 1;
  let bestVar = -1;
  let w0 = 0;
  let sum0 = 0;
  for (let t = 1; t < 256; t++) {
    w0 += hist[t - 1]!;
    sum0 += (t - 1) * hist[t - 1]!;
    const w1 = n - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (sum0 / w0 - (total - sum0) / w1) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** Mean of the samples at or above Otsu's threshold: the "signal" of an SNR (foreground mean / σ). */
export function foregroundMean(samples: ArrayLike<number>): number {
  const t = otsuThreshold(samples);
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
