/**
 * Classical enhancers UniMIE is compared with (engine issue item 6): CLAHE, `normalise` (a 1–99 %
 * contrast stretch) and gamma through sharp, global histogram equalisation (sharp has none), the
 * unchanged input, and (issue 20 items 1 and 5) the best classical denoiser tuned per noise level
 * (classical-denoise.ts), alone and followed by CLAHE or by gamma.
 */
import sharp from 'sharp';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import { backgroundMask, grayPlane } from '../enhance/quality.js';
import { denoiseClassical } from './classical-denoise.js';

export type BaselineName = 'input' | 'clahe' | 'he' | 'normalise' | 'gamma' | 'denoise' | 'denoise-clahe' | 'denoise-gamma';
export const BASELINES: readonly BaselineName[] = ['input', 'clahe', 'he', 'normalise', 'gamma', 'denoise', 'denoise-clahe', 'denoise-gamma'];

/** sharp accepts gamma in [1, 3]. */
const SHARP_GAMMA_MIN = 1;
const SHARP_GAMMA_MAX = 3;
/** Foreground mean the gamma baseline aims for (the engine's start gamma aims at the same). */
export const GAMMA_BASELINE_TARGET = 0.5;

function channelsOf(img: EngineImage): 1 | 3 {
  return isGrayImage(img) ? 1 : 3;
}

function bytesOf(img: EngineImage): Uint8Array {
  return isGrayImage(img) ? img.gray : img.data;
}

function fromBytes<T extends EngineImage>(like: T, bytes: Uint8Array): T {
  return (isGrayImage(like) ? { width: like.width, height: like.height, gray: bytes } : { width: like.width, height: like.height, data: bytes }) as T;
}

async function throughSharp<T extends EngineImage>(img: T, op: (s: sharp.Sharp) => sharp.Sharp): Promise<T> {
  const channels = channelsOf(img);
  const src = bytesOf(img);
  let pipeline = op(sharp(Buffer.from(src.buffer, src.byteOffset, src.byteLength), { raw: { width: img.width, height: img.height, channels } }));
  // sharp widens one-channel input to sRGB on output; take one channel back.
  pipeline = channels === 1 ? pipeline.extractChannel(0) : pipeline.removeAlpha();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== img.width || info.height !== img.height || info.channels !== channels) {
    throw new RangeError(`sharp returned ${info.width}×${info.height}×${info.channels}, expected ${img.width}×${img.height}×${channels}`);
  }
  return fromBytes(img, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
}

/** Smallest CLAHE tile edge: tiles of a few pixels have degenerate histograms. */
const CLAHE_MIN_TILE = 16;

/** CLAHE over an 8×8 grid of tiles (tiles at least 16 px, so fewer on small images), clip limit (max slope) 3. */
export function clahe<T extends EngineImage>(img: T): Promise<T> {
  const tile = (n: number) => Math.min(n, Math.max(CLAHE_MIN_TILE, Math.ceil(n / 8)));
  return throughSharp(img, (s) => s.clahe({ width: tile(img.width), height: tile(img.height), maxSlope: 3 }));
}

/** sharp's `normalise`: stretch the 1st–99th luminance percentiles to the full range. */
export function normalise<T extends EngineImage>(img: T): Promise<T> {
  return throughSharp(img, (s) => s.normalise());
}

/**
 * Gamma g ∈ [1, 3] that brings the foreground mean (pixels outside the dark border-connected
 * background) to `target`; 1 when the foreground is already at least that bright.
 */
export function chooseGamma(img: EngineImage, target = GAMMA_BASELINE_TARGET): number {
  const plane = grayPlane(img);
  const mask = backgroundMask(plane, img.width, img.height);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < plane.length; i++) {
    if (mask[i]) continue;
    sum += plane[i]!;
    n++;
  }
  const mean = n > 0 ? sum / n / 255 : 0;
  if (mean <= 0 || mean >= target) return SHARP_GAMMA_MIN;
  const g = Math.log(mean) / Math.log(target);
  return Math.min(SHARP_GAMMA_MAX, Math.max(SHARP_GAMMA_MIN, g));
}

/** Gamma brightening v → v^(1/g) through sharp (`gamma(1, g)`), g from chooseGamma. */
export function gammaCorrect<T extends EngineImage>(img: T, g = chooseGamma(img)): Promise<T> {
  if (g === 1) return Promise.resolve(fromBytes(img, bytesOf(img).slice()));
  return throughSharp(img, (s) => s.gamma(1, g));
}

/** Lookup table of global histogram equalisation of one 8-bit histogram (CDF remap, min → 0). */
export function equalisationTable(hist: ArrayLike<number>): Uint8Array {
  const total = Array.from(hist).reduce((s, v) => s + v, 0);
  const lut = new Uint8Array(256);
  let first = 0;
  while (first < 256 && hist[first] === 0) first++;
  if (first >= 256) return lut;
  const cdfMin = hist[first]!;
  let cdf = 0;
  for (let v = 0; v < 256; v++) {
    cdf += hist[v]!;
    lut[v] = total === cdfMin ? v : Math.round((255 * Math.max(0, cdf - cdfMin)) / (total - cdfMin));
  }
  return lut;
}

/**
 * Global histogram equalisation. Gray: of the values. RGB: of the channel mean, applied as a
 * gain per pixel so hue is kept.
 */
export function equaliseHistogram<T extends EngineImage>(img: T): T {
  const plane = grayPlane(img);
  const hist = new Float64Array(256);
  for (const v of plane) hist[Math.round(v)]!++;
  const lut = equalisationTable(hist);
  if (isGrayImage(img)) return fromBytes(img, img.gray.map((v) => lut[v]!));
  const out = new Uint8Array(img.data.length);
  for (let p = 0; p < plane.length; p++) {
    const l = plane[p]!;
    const gain = l > 0 ? lut[Math.round(l)]! / l : 0;
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.min(255, Math.round(img.data[3 * p + c]! * gain));
  }
  return fromBytes(img, out);
}

/** Run a baseline by name. */
export async function runBaseline<T extends EngineImage>(name: BaselineName, img: T): Promise<T> {
  switch (name) {
    case 'input':
      return fromBytes(img, bytesOf(img).slice());
    case 'clahe':
      return clahe(img);
    case 'he':
      return equaliseHistogram(img);
    case 'normalise':
      return normalise(img);
    case 'gamma':
      return gammaCorrect(img);
    case 'denoise':
      return (await denoiseClassical(img)).image;
    case 'denoise-clahe':
      return clahe((await denoiseClassical(img)).image);
    case 'denoise-gamma':
      // Gamma chosen on the denoised image: noise would bias the foreground mean it aims with.
      return gammaCorrect((await denoiseClassical(img)).image);
  }
}
