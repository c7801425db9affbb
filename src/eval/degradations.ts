/**
 * Degradations that turn a clean 8-bit image into the kind of input UniMIE is for. The classic
 * kinds (low light, low contrast, uneven illumination, blur) are global maps with a classical
 * inverse and no noise, kept as they were and reported apart; the noisy kinds (noise-kinds.ts)
 * are what clinics see: low light with sensor noise, low-dose CT, Rician MR noise, low contrast
 * and uneven light with noise. Pure and deterministic: the noisy kinds take a seed (derive one
 * per image and kind with `degradationSeed`), so a (clean, degraded) pair is the same bytes on
 * every run and PSNR/SSIM against the clean image measure how much of the degradation a method
 * undoes.
 */
import { gaussianKernel1d } from '../enhance/detail-transfer.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import type { EvalImage } from './heldout-set.js';
import type { CtWindow } from './noise-low-dose-ct.js';
import { applyNoisyKind, DEFAULT_NOISY_PARAMS, type DrawnParams, type NoisyKind, type NoisyParams } from './noise-kinds.js';

export type { CtWindow, DrawnParams, NoisyKind, NoisyParams };
export type ClassicKind = 'low-light' | 'low-contrast' | 'uneven' | 'blur';
export type DegradationKind = ClassicKind | NoisyKind;
/** Global maps without noise, each with a classical inverse (kept for comparison). */
export const CLASSIC_KINDS: readonly ClassicKind[] = ['low-light', 'low-contrast', 'uneven', 'blur'];
/** Degradations with noise, drawn per image from a seed. */
export const NOISY_KINDS: readonly NoisyKind[] = ['low-light-noisy', 'low-dose-ct', 'mr-rician', 'low-contrast-noisy', 'uneven-noisy'];
export const DEGRADATION_KINDS: readonly DegradationKind[] = [...CLASSIC_KINDS, ...NOISY_KINDS];

/** Camera modalities (endoscopy, external camera, general microscopy, other): the image is light on a sensor. */
const PHOTOGRAPHIC_MODALITIES = new Set(['ES', 'XC', 'GM', 'OT']);

/**
 * Whether a kind happens to a modality in clinics: low-dose noise to CT, Rician noise to MR, low
 * light to camera images (a CT or MR slice is computed, not exposed), uneven illumination to camera
 * images and as the coil bias field to MR (a windowed CT slice has none), low contrast and blur to
 * every modality. A classic kind follows its noisy counterpart.
 */
export function kindAppliesTo(kind: DegradationKind, modality: string): boolean {
  const m = modality.toUpperCase();
  switch (kind) {
    case 'low-dose-ct':
      return m === 'CT';
    case 'mr-rician':
      return m === 'MR';
    case 'low-light':
    case 'low-light-noisy':
      return PHOTOGRAPHIC_MODALITIES.has(m);
    case 'uneven':
    case 'uneven-noisy':
      return m === 'MR' || PHOTOGRAPHIC_MODALITIES.has(m);
    default:
      return true;
  }
}

/** Parameters of every degradation; the defaults are what `npm run eval` and the gate use. */
export interface DegradationParams extends NoisyParams {
  /** low-light: v → scale · v^gamma (v in [0, 1]). */
  lowLightScale: number;
  lowLightGamma: number;
  /** low-contrast: v → m + factor · (v − m), m = the image mean. */
  lowContrastFactor: number;
  /** uneven: multiplicative field from `unevenMin` (dark corner) to 1 (opposite corner). */
  unevenMin: number;
  /** blur: Gaussian standard deviation in pixels. */
  blurSigma: number;
}

export const DEFAULT_DEGRADATION: DegradationParams = {
  lowLightScale: 0.4,
  lowLightGamma: 1.5,
  lowContrastFactor: 0.35,
  unevenMin: 0.2,
  blurSigma: 1.5,
  ...DEFAULT_NOISY_PARAMS,
};

/** Parameters (defaults where absent), the noisy kinds' seed and a CT image's window. */
export interface DegradeOptions extends Partial<DegradationParams> {
  /** Seed of the noisy kinds, an integer in [0, 2³²). Without one, a hash of the pixels and the
   * kind is used (still deterministic, but two copies of an image then get the same noise). */
  seed?: number;
  /** The VOI window a CT image was rendered with (low-dose-ct); soft tissue 40/400 when absent. */
  window?: CtWindow;
}

/** Fixed seeds of the evaluation sets: every image × kind seed is derived from its set's. */
export const EVAL_SET_SEEDS: Readonly<Record<EvalImage['set'], number>> = { sample: 0x5a3e_2026, dev: 0xde7_5e7, heldout: 0x61_2026 };

function fnv1a(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193) >>> 0;
}

/** Mix a 32-bit hash (murmur3 finaliser) so that nearby inputs give unrelated seeds. */
function mix(h: number): number {
  let z = h >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(hash: number, s: string): number {
  let h = hash;
  for (const b of new TextEncoder().encode(s)) h = fnv1a(h, b);
  return h;
}

/** The seed of one (image, kind) of a set: a hash of the set seed, the image name and the kind. */
export function degradationSeed(setSeed: number, imageName: string, kind: DegradationKind): number {
  if (!Number.isInteger(setSeed) || setSeed < 0 || setSeed > 0xffffffff) throw new RangeError(`set seed ${setSeed} must be an integer in [0, 2^32)`);
  const h = hashString(mix(setSeed ^ 0x811c9dc5), imageName);
  return mix(hashString(fnv1a(h, 0), kind));
}

/** The options `degrade` needs for an evaluation image: its set's seed and its window. */
export function evalDegradeOptions(img: Pick<EvalImage, 'name' | 'set' | 'voiWindow'>, kind: DegradationKind, params?: Partial<DegradationParams>): DegradeOptions {
  return { ...params, seed: degradationSeed(EVAL_SET_SEEDS[img.set], img.name, kind), ...(img.voiWindow ? { window: img.voiWindow } : {}) };
}

function contentSeed(samples: Uint8Array, kind: DegradationKind): number {
  let h = hashString(0x811c9dc5, kind);
  for (let i = 0; i < samples.length; i++) h = fnv1a(h, samples[i]!);
  return mix(h);
}

/** A clean image and its degraded copy. */
export interface DegradedPair<T extends EngineImage = EngineImage> {
  kind: DegradationKind;
  clean: T;
  degraded: T;
}

function samples(img: EngineImage): Uint8Array {
  return isGrayImage(img) ? img.gray : img.data;
}

function withSamples<T extends EngineImage>(img: T, data: Uint8Array): T {
  return (isGrayImage(img) ? { width: img.width, height: img.height, gray: data } : { width: img.width, height: img.height, data }) as T;
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Apply f to every sample in [0, 1] with its pixel position. */
function mapSamples<T extends EngineImage>(img: T, f: (v: number, x: number, y: number) => number): T {
  const src = samples(img);
  const channels = src.length / (img.width * img.height);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const p = Math.floor(i / channels);
    out[i] = toByte(255 * f(src[i]! / 255, p % img.width, Math.floor(p / img.width)));
  }
  return withSamples(img, out);
}

/** Smooth multiplicative illumination field in [min, 1]: a cosine ramp from the top-left corner. */
export function illuminationField(x: number, y: number, width: number, height: number, min: number): number {
  const u = width > 1 ? x / (width - 1) : 0.5;
  const v = height > 1 ? y / (height - 1) : 0.5;
  const r = 0.65 * u + 0.35 * v;
  return min + (1 - min) * 0.5 * (1 - Math.cos(Math.PI * r));
}


/** Separable Gaussian blur per channel, edges mirrored (so a constant image stays constant). */
export function gaussianBlur<T extends EngineImage>(img: T, sigma: number): T {
  if (sigma <= 0) return withSamples(img, samples(img).slice());
  const { width: w, height: h } = img;
  const src = samples(img);
  const c = src.length / (w * h);
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  const mirror = (i: number, n: number): number => {
    if (n === 1) return 0;
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return j;
  };
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r]! * src[(y * w + mirror(x + j, w)) * c + ch]!;
        tmp[(y * w + x) * c + ch] = s;
      }
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r]! * tmp[(mirror(y + j, h) * w + x) * c + ch]!;
        out[(y * w + x) * c + ch] = toByte(s);
      }
    }
  }
  return withSamples(img, out);
}

function classic<T extends EngineImage>(img: T, kind: ClassicKind, params: DegradationParams): T {
  switch (kind) {
    case 'low-light':
      return mapSamples(img, (v) => params.lowLightScale * Math.pow(v, params.lowLightGamma));
    case 'low-contrast': {
      const src = samples(img);
      let sum = 0;
      for (const v of src) sum += v;
      const m = sum / src.length / 255;
      return mapSamples(img, (v) => m + params.lowContrastFactor * (v - m));
    }
    case 'uneven':
      return mapSamples(img, (v, x, y) => v * illuminationField(x, y, img.width, img.height, params.unevenMin));
    case 'blur':
      return gaussianBlur(img, params.blurSigma);
  }
}

function isClassic(kind: DegradationKind): kind is ClassicKind {
  return (CLASSIC_KINDS as readonly string[]).includes(kind);
}

/** A degraded image with the parameters drawn for it (empty for the classic kinds) and its seed. */
export interface DegradeResult<T extends EngineImage> {
  image: T;
  drawn: DrawnParams;
  seed?: number;
}

/** Degrade a clean 8-bit image and say which parameters were drawn; deterministic. */
export function degradeDetailed<T extends EngineImage>(img: T, kind: DegradationKind, opts: DegradeOptions = {}): DegradeResult<T> {
  const params: DegradationParams = { ...DEFAULT_DEGRADATION, ...opts };
  if (isClassic(kind)) return { image: classic(img, kind, params), drawn: {} };
  const data = samples(img);
  const seed = opts.seed ?? contentSeed(data, kind);
  const channels = isGrayImage(img) ? 1 : 3;
  const r = applyNoisyKind({ data, width: img.width, height: img.height, channels }, kind, params, seed, opts.window);
  return { image: withSamples(img, r.data), drawn: r.drawn, seed };
}

/** Degrade a clean 8-bit image; deterministic (the noisy kinds per `opts.seed`). */
export function degrade<T extends EngineImage>(img: T, kind: DegradationKind, opts: DegradeOptions = {}): T {
  return degradeDetailed(img, kind, opts).image;
}

/** The clean image paired with each requested degradation. */
export function degradedPairs<T extends EngineImage>(clean: T, kinds: readonly DegradationKind[] = CLASSIC_KINDS, opts?: DegradeOptions): DegradedPair<T>[] {
  return kinds.map((kind) => ({ kind, clean, degraded: degrade(clean, kind, opts) }));
}
