/**
 * Low-dose CT noise inserted in the projection domain, the standard way of simulating a reduced
 * dose from a routine scan (e.g. Yu et al., Med. Phys. 2012; Zeng et al., Med. Phys. 2015):
 * the clean slice's attenuation is projected (parallel beam), each ray's photon count is drawn
 * from Poisson(I0·e^{−p}), the noisy line integral −ln(count/I0) minus the clean one is the
 * sinogram noise (variance ≈ e^{p}/I0: rays through more tissue are noisier), and its filtered
 * back-projection is the image noise, added to the clean HU. The noise is therefore streaky
 * along dense paths and spatially correlated like real FBP noise, not white. It is scaled so its
 * standard deviation over the body equals the requested HU σ. Pure given the random source.
 *
 * Clinical assumption: an 8-bit windowed image only tells HU inside its window. Samples clipped
 * to 0 are taken as air (−1000 HU, or the window's lower end if that is lower) and samples
 * clipped to 255 as dense bone (+1000 HU, or the upper end if higher), so that they stay clipped
 * after the noise is added, as they would on a scanner.
 */
import type { Rng } from '../enhance/rng.js';
import { voiValue } from '../render/voi-window.js';
import { fbp, radon, type RampWindow } from './noise-radon.js';
import { samplePoisson } from './noise-poisson-gaussian.js';

/** A CT VOI window in HU (LINEAR function, PS3.3 C.11.2.1.2.1). */
export interface CtWindow {
  center: number;
  width: number;
}

/** Linear attenuation coefficient of water at about 70 keV, per mm. */
export const WATER_MU_PER_MM = 0.0193;

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
  for (let i = 0; i < hu.length; i++) mu[i] = Math.max(0, WATER_MU_PER_MM * pixelMm * (1 + hu[i]! / 1000));
  const sino = radon(mu, width, height);
  const noise = new Float64Array(sino.data.length);
  for (let i = 0; i < noise.length; i++) {
    const p = sino.data[i]!;
    const counts = Math.max(1, samplePoisson(setup.incidentPhotons * Math.exp(-p), rng));
    noise[i] = -Math.log(counts / setup.incidentPhotons) - p;
  }
  const image = fbp({ angles: sino.angles, bins: sino.bins, data: noise }, width, height, setup.filter);
  const toHu = 1000 / (WATER_MU_PER_MM * pixelMm);
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
