/**
 * Low-dose CT noise inserted in the projection domain into an 8-bit windowed slice: the clean
 * slice's HU become attenuation, the projection-domain noise of ../dicom/ct-projection-noise.ts
 * (Radon transform, Poisson counts per ray, filtered back-projection: streaky along dense paths
 * and correlated like real FBP noise, not white) is added to the clean HU, scaled so its
 * standard deviation over the body equals the requested HU σ. Pure given the random source.
 *
 * Clinical assumption: an 8-bit windowed image only tells HU inside its window. Samples clipped
 * to 0 are taken as air (−1000 HU, or the window's lower end if that is lower) and samples
 * clipped to 255 as dense bone (+1000 HU, or the upper end if higher), so that they stay clipped
 * after the noise is added, as they would on a scanner.
 */
import type { Rng } from '../enhance/rng.js';
import { MU_WATER_PER_MM, projectionNoise } from '../dicom/ct-projection-noise.js';
import type { RampWindow } from '../dicom/radon.js';
import { voiValue } from '../render/voi-window.js';
import { samplePoisson } from './noise-poisson-gaussian.js';

/** A CT VOI window in HU (LINEAR function, PS3.3 C.11.2.1.2.1). */
export interface CtWindow {
  center: number;
  width: number;
}

/** Fixed settings of the simulated scanner (the HU σ is drawn per image by the caller). */
export interface CtScanSetup {
  /** Unattenuated photons per ray. Only the noise's shape depends on it, through e^{p}/I0
   * and photon starvation; its level is set by the target σ. */
  incidentPhotons: number;
  /** Reconstruction field of view across the image's larger side, in mm (sets path lengths). */
  fovMm: number;
  /** Apodisation of the ramp filter. */
  filter: RampWindow;
}

/** HU of windowed 8-bit samples (inverse of the LINEAR window); clipped samples as above. */
export function huFromWindowed(gray: ArrayLike<number>, window: CtWindow): Float64Array {
  const w = Math.max(window.width, 1);
  const low = window.center - 0.5 - (w - 1) / 2;
  const high = window.center - 0.5 + (w - 1) / 2;
  const out = new Float64Array(gray.length);
  for (let i = 0; i < gray.length; i++) {
    const y = gray[i]!;
    out[i] = y <= 0 ? Math.min(low, -1000) : y >= 255 ? Math.max(high, 1000) : (y / 255 - 0.5) * (w - 1) + window.center - 0.5;
  }
  return out;
}

/** HU through the LINEAR window to 8 bit (rounded, clamped). */
export function windowedFromHu(hu: ArrayLike<number>, window: CtWindow): Uint8Array {
  const out = new Uint8Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = Math.round(voiValue(hu[i]!, window.center, window.width));
  return out;
}

/**
 * Where the noise σ is measured: soft tissue and denser (≥ −300 HU) that the window shows
 * unclipped, so lung, air and saturated bone do not count.
 */
export function bodyMask(gray: ArrayLike<number>, hu: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i++) mask[i] = gray[i]! > 0 && gray[i]! < 255 && hu[i]! >= -300 ? 1 : 0;
  return mask;
}

/** Standard deviation of `values` over the mask (0 when the mask is empty). */
export function maskedStd(values: ArrayLike<number>, mask: ArrayLike<number>): number {
  let n = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i]) {
      n++;
      s += values[i]!;
    }
  }
  if (n < 2) return 0;
  const m = s / n;
  let v = 0;
  for (let i = 0; i < values.length; i++) if (mask[i]) v += (values[i]! - m) ** 2;
  return Math.sqrt(v / (n - 1));
}

/**
 * Unscaled projection-domain noise for a slice of HU values, in HU: FBP of the difference
 * between Poisson-noisy and clean line integrals.
 */
export function projectionNoiseHu(hu: ArrayLike<number>, width: number, height: number, setup: CtScanSetup, rng: Rng): Float64Array {
  const pixelMm = setup.fovMm / Math.max(width, height);
  const mu = new Float64Array(hu.length);
  // Line integrals are in pixel lengths, so attenuation goes in per pixel.
  for (let i = 0; i < hu.length; i++) mu[i] = Math.max(0, MU_WATER_PER_MM * pixelMm * (1 + hu[i]! / 1000));
  // A zero count is taken as one photon (photon starvation).
  const image = projectionNoise(mu, width, height, { photons: setup.incidentPhotons, filter: setup.filter }, (expected) => Math.max(1, samplePoisson(expected, rng)));
  const toHu = 1000 / (MU_WATER_PER_MM * pixelMm);
  for (let i = 0; i < image.length; i++) image[i] *= toHu;
  return image;
}

/**
 * A windowed 8-bit CT slice with low-dose noise whose σ over the body (`bodyMask`) is `sigmaHu`.
 * Returns the noisy slice and the σ the unscaled noise had (for reports).
 */
export function addLowDoseCtNoise(gray: ArrayLike<number>, width: number, height: number, window: CtWindow, sigmaHu: number, setup: CtScanSetup, rng: Rng): { gray: Uint8Array; rawSigmaHu: number } {
  if (gray.length !== width * height) throw new RangeError(`CT slice has ${gray.length} samples, expected ${width * height}`);
  const hu = huFromWindowed(gray, window);
  const noise = projectionNoiseHu(hu, width, height, setup, rng);
  const mask = bodyMask(gray, hu);
  const raw = maskedStd(noise, mask);
  const k = raw > 0 ? sigmaHu / raw : 0;
  const noisy = new Float64Array(hu.length);
  for (let i = 0; i < hu.length; i++) noisy[i] = hu[i]! + k * noise[i]!;
  return { gray: windowedFromHu(noisy, window), rawSigmaHu: raw };
}
