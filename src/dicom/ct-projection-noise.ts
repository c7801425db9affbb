/**
 * Low-dose CT noise made the way a scanner makes it (clinical assumption: parallel-beam
 * geometry instead of a fan, monoenergetic beam, no bowtie filter or tube-current modulation):
 * the attenuation map is forward projected (Radon transform), each ray's photon count is drawn
 * from Poisson(I₀·e^(−p)), and the log-domain error is reconstructed by filtered back-projection
 * with a Hann-apodised ramp filter. FBP is linear, so the clean image plus the reconstructed
 * error equals the FBP of the noisy sinogram, without the clean image's discretisation
 * artefacts. The noise is therefore correlated (ramp-shaped NPS), stronger in the body centre
 * and along the long lateral paths, and streaky where few photons get through.
 */
import { fft, nextPowerOfTwo } from './fft.js';
import { randomSource } from './phantom-anatomy.js';
import { gaussianSource, poissonDraw } from './sample-raster.js';

/** Linear attenuation of water at an effective energy of ≈ 70 keV, mm⁻¹. */
export const MU_WATER_PER_MM = 0.0193;

/** HU → linear attenuation (mm⁻¹), never negative (PS3.3 C.8.2.1: HU = 1000·(μ − μw)/μw). */
export function huToMu(hu: number): number {
  return Math.max(0, MU_WATER_PER_MM * (1 + hu / 1000));
}

/** A square image grid: `size` pixels per side of `pixelMm`, centred on the rotation axis. */
export interface ScanGrid {
  size: number;
  pixelMm: number;
}

/** Parallel-beam sampling: `views` angles over [0, π), `bins` detector bins of `binMm`. */
export interface Sinogram {
  views: number;
  bins: number;
  binMm: number;
  /** views × bins, row-major by view. */
  data: Float32Array;
}

/** Bins needed to cover the grid's circumscribed circle at `binMm`. */
export function binsFor(grid: ScanGrid, binMm: number): number {
  return 2 * Math.ceil((grid.size * grid.pixelMm * Math.SQRT1_2) / binMm) + 3;
}

/**
 * Line integrals p(θ, s) = ∫ μ dt of a row-major image (μ in mm⁻¹): ray marching with one
 * bilinear sample per pixel length. Bin j is centred at s = (j − (bins − 1)/2)·binMm, view v at
 * θ = π·v/views; the ray's direction is (−sin θ, cos θ) in image (column, row) axes.
 */
export function forwardProject(mu: Float32Array, grid: ScanGrid, views: number, bins: number, binMm: number): Sinogram {
  const { size: n, pixelMm: d } = grid;
  if (mu.length !== n * n) throw new RangeError(`image of ${mu.length} values is not ${n}×${n}`);
  const data = new Float32Array(views * bins);
  const radius = (n * d * Math.SQRT2) / 2;
  for (let v = 0; v < views; v++) {
    const theta = (Math.PI * v) / views;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    for (let j = 0; j < bins; j++) {
      const sj = (j - (bins - 1) / 2) * binMm;
      if (Math.abs(sj) >= radius) continue;
      const half = Math.sqrt(radius * radius - sj * sj);
      const steps = Math.ceil((2 * half) / d);
      const dt = (2 * half) / steps;
      // mm → fractional pixel index of pixel centres at (i + 0.5 − n/2)·d, stepping along the ray
      let fx = (sj * c + half * s) / d + n / 2 - 0.5 - (0.5 * dt * s) / d;
      let fy = (sj * s - half * c) / d + n / 2 - 0.5 + (0.5 * dt * c) / d;
      const sx = (-dt * s) / d;
      const sy = (dt * c) / d;
      let sum = 0;
      for (let k = 0; k < steps; k++, fx += sx, fy += sy) {
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        if (x0 < -1 || y0 < -1 || x0 >= n || y0 >= n) continue;
        const ax = fx - x0;
        const ay = fy - y0;
        const o = y0 * n + x0;
        const inX0 = x0 >= 0;
        const inX1 = x0 + 1 < n;
        const top = y0 >= 0 ? (inX0 ? (1 - ax) * mu[o] : 0) + (inX1 ? ax * mu[o + 1] : 0) : 0;
        const bottom = y0 + 1 < n ? (inX0 ? (1 - ax) * mu[o + n] : 0) + (inX1 ? ax * mu[o + n + 1] : 0) : 0;
        sum += (1 - ay) * top + ay * bottom;
      }
      data[v * bins + j] = sum * dt;
    }
  }
  return { views, bins, binMm, data };
}

/**
 * Frequency response of the band-limited ramp filter (Kak & Slaney eq. 3.61, sampled in space so
 * the DC term is right), apodised by a Hann window reaching zero at Nyquist, for FFT length `l`.
 */
export function rampResponse(l: number, binMm: number): Float64Array {
  const re = new Float64Array(l);
  const im = new Float64Array(l);
  re[0] = 1 / (4 * binMm * binMm);
  for (let k = 1; k < l / 2; k += 2) re[k] = re[l - k] = -1 / (k * k * Math.PI * Math.PI * binMm * binMm);
  fft(re, im);
  const out = new Float64Array(l);
  for (let k = 0; k < l; k++) {
    const frac = Math.min(k, l - k) / (l / 2);
    out[k] = re[k] * binMm * 0.5 * (1 + Math.cos(Math.PI * frac));
  }
  return out;
}

/** Each view convolved with the apodised ramp filter (zero-padded, no wrap-around). */
export function filterSinogram(sino: Sinogram): Sinogram {
  const l = nextPowerOfTwo(2 * sino.bins);
  const h = rampResponse(l, sino.binMm);
  const out = new Float32Array(sino.data.length);
  const re = new Float64Array(l);
  const im = new Float64Array(l);
  for (let v = 0; v < sino.views; v++) {
    re.fill(0);
    im.fill(0);
    for (let j = 0; j < sino.bins; j++) re[j] = sino.data[v * sino.bins + j];
    fft(re, im);
    for (let k = 0; k < l; k++) {
      re[k] *= h[k];
      im[k] *= h[k];
    }
    fft(re, im, true);
    for (let j = 0; j < sino.bins; j++) out[v * sino.bins + j] = re[j];
  }
  return { ...sino, data: out };
}

/** Pixel-driven back-projection of a filtered sinogram over [0, π): f = (π/K)·Σ q(x cos θ + y sin θ). */
export function backProject(filtered: Sinogram, grid: ScanGrid): Float32Array {
  const { size: n, pixelMm: d } = grid;
  const { views, bins, binMm, data } = filtered;
  const out = new Float32Array(n * n);
  const centre = (bins - 1) / 2;
  for (let v = 0; v < views; v++) {
    const theta = (Math.PI * v) / views;
    const c = (Math.cos(theta) * d) / binMm;
    const s = (Math.sin(theta) * d) / binMm;
    const base = v * bins;
    for (let row = 0; row < n; row++) {
      let pos = centre + (0.5 - n / 2) * c + (row + 0.5 - n / 2) * s;
      const o = row * n;
      for (let col = 0; col < n; col++, pos += c) {
        const j = Math.floor(pos);
        if (j < 0 || j >= bins - 1) continue;
        const a = pos - j;
        out[o + col] += (1 - a) * data[base + j] + a * data[base + j + 1];
      }
    }
  }
  const scale = Math.PI / views;
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/** Box-average a square image by an integer factor (for the cheap forward projection). */
export function downsample(img: Float32Array, n: number, factor: number): Float32Array {
  const m = Math.floor(n / factor);
  const out = new Float32Array(m * m);
  for (let y = 0; y < m * factor; y++) {
    for (let x = 0; x < m * factor; x++) out[Math.floor(y / factor) * m + Math.floor(x / factor)] += img[y * n + x];
  }
  for (let i = 0; i < out.length; i++) out[i] /= factor * factor;
  return out;
}

export interface LowDoseOptions {
  /** Unattenuated photons per ray (detector bin and view). */
  photons: number;
  /** Views over 180° (default: ⌈π/2 · size⌉, enough that the noise shows no view aliasing). */
  views?: number;
  seed: number;
}

/**
 * The reconstructed error of a low-dose scan of `mu`, in HU: forward projection (at half
 * resolution: the expected counts vary slowly), Poisson counts per ray, −ln(counts/I₀) − p,
 * ramp-filtered back-projection. A zero count is taken as half a photon (photon starvation).
 */
export function lowDoseNoiseHu(mu: Float32Array, grid: ScanGrid, o: LowDoseOptions): Float32Array {
  const views = o.views ?? Math.ceil((Math.PI / 2) * grid.size);
  const factor = grid.size >= 128 ? 2 : 1;
  const coarseGrid = { size: Math.floor(grid.size / factor), pixelMm: grid.pixelMm * factor };
  const coarseBinMm = grid.pixelMm * factor;
  const coarse = forwardProject(downsample(mu, grid.size, factor), coarseGrid, views, binsFor(coarseGrid, coarseBinMm), coarseBinMm);
  const binMm = grid.pixelMm;
  const bins = binsFor(grid, binMm);
  const rand = randomSource(o.seed);
  const gauss = gaussianSource(o.seed ^ 0x9e3779b9);
  const noise = new Float32Array(views * bins);
  for (let v = 0; v < views; v++) {
    for (let j = 0; j < bins; j++) {
      const pos = ((j - (bins - 1) / 2) * binMm) / coarseBinMm + (coarse.bins - 1) / 2;
      const k = Math.min(coarse.bins - 2, Math.max(0, Math.floor(pos)));
      const a = Math.min(1, Math.max(0, pos - k));
      const p = (1 - a) * coarse.data[v * coarse.bins + k] + a * coarse.data[v * coarse.bins + k + 1];
      const counts = poissonDraw(o.photons * Math.exp(-p), rand, gauss);
      noise[v * bins + j] = -Math.log(Math.max(counts, 0.5) / o.photons) - p;
    }
  }
  const image = backProject(filterSinogram({ views, bins, binMm, data: noise }), grid);
  for (let i = 0; i < image.length; i++) image[i] *= 1000 / MU_WATER_PER_MM;
  return image;
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
