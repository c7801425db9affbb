/**
 * Parallel-beam Radon transform and filtered back-projection (Kak & Slaney, "Principles of
 * Computerized Tomographic Imaging", ch. 3), for inserting low-dose noise in the projection
 * domain. Units: one pixel = one detector bin = 1, so a projection is a line integral in pixel
 * lengths. The rotation centre is the image centre ((w − 1)/2, (h − 1)/2); angle k of n is π·k/n.
 * Pixel-driven with linear interpolation in both directions, so back-projection is the exact
 * transpose of projection. Pure. Used by the low-dose CT noise of the sample studies and of the
 * evaluation (ct-projection-noise.ts).
 */
import { fft, nextPowerOfTwo } from './fft.js';

/** Projections of an image: `angles` rows of `bins` detector samples. */
export interface Sinogram {
  angles: number;
  bins: number;
  data: Float64Array;
}

/** Reconstruction filter: the ramp alone, or apodised by a Hann or Shepp–Logan window. */
export type RampWindow = 'ram-lak' | 'hann' | 'shepp-logan';

/** Angles that sample an n-pixel-wide object without angular aliasing: ⌈π/2 · n⌉. */
export function projectionAngles(n: number): number {
  return Math.ceil((Math.PI / 2) * n);
}

/** Detector bins covering the image diagonal (odd, so the centre falls on a bin). */
export function detectorBins(width: number, height: number): number {
  const n = Math.ceil(Math.hypot(width, height)) + 3;
  return n % 2 === 0 ? n + 1 : n;
}

/** Rotation centre, detector centre, and the cosine and sine of every projection angle. */
interface RayGeometry {
  cx: number;
  cy: number;
  centre: number;
  cos: number[];
  sin: number[];
}

function rayGeometry(width: number, height: number, angles: number, bins: number): RayGeometry {
  const theta = Array.from({ length: angles }, (_, a) => (Math.PI * a) / angles);
  return { cx: (width - 1) / 2, cy: (height - 1) / 2, centre: (bins - 1) / 2, cos: theta.map(Math.cos), sin: theta.map(Math.sin) };
}

/** Radon transform: line integrals of a width × height image at `angles` angles over [0, π). */
export function radon(image: ArrayLike<number>, width: number, height: number, angles = projectionAngles(Math.max(width, height))): Sinogram {
  if (image.length !== width * height) throw new RangeError(`image has ${image.length} samples, expected ${width * height}`);
  const bins = detectorBins(width, height);
  const data = new Float64Array(angles * bins);
  const g = rayGeometry(width, height, angles, bins);
  for (let a = 0; a < angles; a++) {
    const c = g.cos[a]!;
    const row = a * bins;
    for (let y = 0; y < height; y++) {
      let pos = -g.cx * c + (y - g.cy) * g.sin[a]! + g.centre;
      for (let x = 0, p = y * width; x < width; x++, p++, pos += c) {
        const v = image[p]!;
        if (v === 0) continue;
        const i = Math.floor(pos);
        const f = pos - i;
        data[row + i] += v * (1 - f);
        data[row + i + 1] += v * f;
      }
    }
  }
  return { angles, bins, data };
}

/** Back-projection (transpose of `radon`), scaled by π/angles so that FBP is an inverse. */
export function backproject(sino: Sinogram, width: number, height: number): Float64Array {
  if (sino.bins !== detectorBins(width, height)) throw new RangeError(`sinogram has ${sino.bins} bins, a ${width}×${height} image needs ${detectorBins(width, height)}`);
  const out = new Float64Array(width * height);
  const d = sino.data;
  const g = rayGeometry(width, height, sino.angles, sino.bins);
  for (let a = 0; a < sino.angles; a++) {
    const c = g.cos[a]!;
    const row = a * sino.bins;
    for (let y = 0; y < height; y++) {
      let pos = -g.cx * c + (y - g.cy) * g.sin[a]! + g.centre;
      for (let x = 0, p = y * width; x < width; x++, p++, pos += c) {
        const i = Math.floor(pos);
        const f = pos - i;
        out[p] += d[row + i]! * (1 - f) + d[row + i + 1]! * f;
      }
    }
  }
  const scale = Math.PI / sino.angles;
  for (let p = 0; p < out.length; p++) out[p] *= scale;
  return out;
}

/**
 * Frequency response of the reconstruction filter for an FFT of length n: the transform of the
 * band-limited spatial ramp (h(0) = 1/4, h(odd k) = −1/(πk)², Kak & Slaney eq. 61), which has
 * no DC error unlike a sampled |f|, times the window at frequency f ∈ [−½, ½] cycles/bin.
 */
export function rampFilter(n: number, window: RampWindow): Float64Array {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re[0] = 0.25;
  for (let k = 1; k < n / 2; k++) {
    if (k % 2 === 1) {
      const h = -1 / (Math.PI * k) ** 2;
      re[k] = h;
      re[n - k] = h;
    }
  }
  fft(re, im);
  for (let k = 0; k < n; k++) {
    const f = (k <= n / 2 ? k : k - n) / n;
    const w = window === 'hann' ? 0.5 * (1 + Math.cos(2 * Math.PI * f)) : window === 'shepp-logan' && f !== 0 ? Math.sin(Math.PI * f) / (Math.PI * f) : 1;
    re[k] = re[k]! * w;
  }
  return re;
}

/** Convolve every projection with the reconstruction filter (zero-padded, no wrap-around). */
export function filterSinogram(sino: Sinogram, window: RampWindow = 'hann'): Sinogram {
  const n = nextPowerOfTwo(2 * sino.bins);
  const h = rampFilter(n, window);
  const out = new Float64Array(sino.data.length);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let a = 0; a < sino.angles; a++) {
    re.fill(0);
    im.fill(0);
    re.set(sino.data.subarray(a * sino.bins, (a + 1) * sino.bins));
    fft(re, im);
    for (let k = 0; k < n; k++) {
      re[k] *= h[k]!;
      im[k] *= h[k]!;
    }
    fft(re, im, true);
    for (let b = 0; b < sino.bins; b++) out[a * sino.bins + b] = re[b]!;
  }
  return { angles: sino.angles, bins: sino.bins, data: out };
}

/** Filtered back-projection of a sinogram made by `radon` for a width × height image. */
export function fbp(sino: Sinogram, width: number, height: number, window: RampWindow = 'hann'): Float64Array {
  return backproject(filterSinogram(sino, window), width, height);
}
