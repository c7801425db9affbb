/**
 * Poisson–Gaussian sensor noise (the standard model of a photon-counting camera: shot noise plus
 * read noise, Foi et al., IEEE TIP 2008). A sample with relative intensity v ∈ [0, 1] collects
 * Poisson(v · peak) photo-electrons, the read-out adds N(0, read²) electrons, and the result is
 * divided by `peak` again: the variance of the output is v / peak + (read / peak)², i.e. grows
 * linearly with the mean. Pure given the random source.
 */
import type { Rng } from '../enhance/rng.js';

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * One Poisson draw with mean `lambda` ≥ 0: multiplication of uniforms below 10, Hörmann's
 * transformed rejection (PTRS, Insurance: Math. Econ. 1993; the method NumPy uses) above.
 */
export function samplePoisson(lambda: number, rng: Rng): number {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`Poisson mean ${lambda} must be finite and ≥ 0`);
  if (lambda === 0) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.uniform();
    while (p > limit) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.uniform() - 0.5;
    const v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k;
  }
}

/** Parameters of the sensor: photo-electrons at full scale (v = 1) and read-noise σ in electrons. */
export interface SensorNoise {
  peak: number;
  read: number;
}

/**
 * Poisson–Gaussian noise on relative intensities in [0, 1] (values outside are clamped first);
 * the result is in the same units, not clamped (the caller quantises).
 */
export function poissonGaussian(values: ArrayLike<number>, sensor: SensorNoise, rng: Rng): Float64Array {
  if (!(sensor.peak > 0)) throw new RangeError(`peak photon count ${sensor.peak} must be > 0`);
  if (!(sensor.read >= 0)) throw new RangeError(`read noise ${sensor.read} must be ≥ 0`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(1, Math.max(0, values[i]!));
    const electrons = samplePoisson(v * sensor.peak, rng) + (sensor.read > 0 ? sensor.read * rng.normal() : 0);
    out[i] = electrons / sensor.peak;
  }
  return out;
}
