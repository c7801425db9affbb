/**
 * Low-dose CT noise made the way a scanner makes it (clinical assumption: parallel-beam
 * geometry instead of a fan, monoenergetic beam, no bowtie filter or tube-current modulation):
 * the attenuation map is forward projected (Radon transform, radon.ts), each ray's photon count
 * is drawn from Poisson(I₀·e^(−p)), and the log-domain error −ln(counts/I₀) − p is reconstructed
 * by filtered back-projection (e.g. Yu et al., Med. Phys. 2012; Zeng et al., Med. Phys. 2015).
 * FBP is linear, so the clean image plus the reconstructed error equals the FBP of the noisy
 * sinogram, without the clean image's discretisation artefacts. The noise is therefore
 * correlated (ramp-shaped NPS), stronger in the body centre and along the long lateral paths
 * (variance ≈ e^p/I₀), and streaky where few photons get through. The sample CT series and the
 * evaluation's low-dose degradation both make their noise here.
 */
import { randomSource } from './phantom-anatomy.js';
import { fbp, radon, type RampWindow } from './radon.js';
import { gaussianSource, poissonDraw } from './sample-raster.js';

/** Linear attenuation of water at an effective energy of ≈ 70 keV, mm⁻¹. */
export const MU_WATER_PER_MM = 0.0193;

/** HU → linear attenuation (mm⁻¹), never negative (PS3.3 C.8.2.1: HU = 1000·(μ − μw)/μw). */
export function huToMu(hu: number): number {
  return Math.max(0, MU_WATER_PER_MM * (1 + hu / 1000));
}

/**
 * Detected photons of a ray whose expected count is `expected`: a Poisson draw from the
 * caller's random source, floored where the caller models photon starvation (the log needs > 0).
 */
export type PhotonCounter = (expected: number) => number;

/** The simulated scan: unattenuated photons per ray, ramp apodisation, views over 180°. */
export interface ProjectionScan {
  photons: number;
  filter: RampWindow;
  /** Default: ⌈π/2 · larger side⌉, enough that the noise shows no view aliasing. */
  angles?: number;
}

/**
 * Reconstructed error of a low-dose scan of a width × height attenuation map given per pixel
 * length (so line integrals are dimensionless), in the same per-pixel units: projection,
 * −ln(counts/I₀) − p per ray, filtered back-projection.
 */
export function projectionNoise(muPerPixel: ArrayLike<number>, width: number, height: number, scan: ProjectionScan, count: PhotonCounter): Float64Array {
  const sino = radon(muPerPixel, width, height, scan.angles);
  const noise = new Float64Array(sino.data.length);
  for (let i = 0; i < noise.length; i++) {
    const p = sino.data[i]!;
    noise[i] = -Math.log(count(scan.photons * Math.exp(-p)) / scan.photons) - p;
  }
  return fbp({ angles: sino.angles, bins: sino.bins, data: noise }, width, height, scan.filter);
}

/** A square image grid: `size` pixels per side of `pixelMm`, centred on the rotation axis. */
export interface ScanGrid {
  size: number;
  pixelMm: number;
}

export interface LowDoseOptions {
  /** Unattenuated photons per ray (detector bin and view). */
  photons: number;
  /** Views over 180° (default: ⌈π/2 · size⌉). */
  views?: number;
  seed: number;
}

/**
 * The reconstructed error of a low-dose scan of `mu` (mm⁻¹), in HU, with a Hann-apodised ramp
 * filter (a standard soft-tissue kernel). A zero count is taken as half a photon (photon
 * starvation). Deterministic from the seed.
 */
export function lowDoseNoiseHu(mu: Float32Array, grid: ScanGrid, o: LowDoseOptions): Float32Array {
  const { size: n, pixelMm } = grid;
  if (mu.length !== n * n) throw new RangeError(`image of ${mu.length} values is not ${n}×${n}`);
  const rand = randomSource(o.seed);
  const gauss = gaussianSource(o.seed ^ 0x9e3779b9);
  const muPerPixel = Float64Array.from(mu, (m) => m * pixelMm);
  const noise = projectionNoise(muPerPixel, n, n, { photons: o.photons, filter: 'hann', angles: o.views }, (expected) => Math.max(0.5, poissonDraw(expected, rand, gauss)));
  const toHu = 1000 / (MU_WATER_PER_MM * pixelMm);
  return Float32Array.from(noise, (v) => v * toHu);
}

/**
 * Photons per ray that give noise of standard deviation `targetSdHu` inside `roi`: trial scans
 * at `trial` photons (enough of them that the region holds ≈ 4000 pixel samples, since the
 * noise is correlated and small regions scatter), then σ ∝ 1/√I₀ (quantum noise) fixes the count.
 */
export function photonsForNoise(mu: Float32Array, grid: ScanGrid, roi: (i: number) => boolean, targetSdHu: number, seed: number, trial = 1e5): number {
  let inside = 0;
  for (let i = 0; i < mu.length; i++) if (roi(i)) inside++;
  if (inside === 0) throw new RangeError('noise calibration region is empty');
  const scans = Math.min(32, Math.ceil(4000 / inside));
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let k = 0; k < scans; k++) {
    const noise = lowDoseNoiseHu(mu, grid, { photons: trial, seed: (seed + k * 7919) >>> 0 });
    for (let i = 0; i < noise.length; i++) {
      if (!roi(i)) continue;
      n++;
      sum += noise[i];
      sq += noise[i] * noise[i];
    }
  }
  const sd = Math.sqrt(sq / n - (sum / n) ** 2);
  return trial * (sd / targetSdHu) ** 2;
}
