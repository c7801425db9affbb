/**
 * Degradations that turn a clean 8-bit image into the kind of input UniMIE is for (engine issue
 * item 6): low light, low contrast, uneven illumination and blur. Pure and deterministic, so a
 * (clean, degraded) pair is the same on every run and PSNR/SSIM against the clean image measure
 * how much of the degradation a method undoes.
 */
import { gaussianKernel1d } from '../enhance/detail-transfer.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';

export type DegradationKind = 'low-light' | 'low-contrast' | 'uneven' | 'blur';
export const DEGRADATION_KINDS: readonly DegradationKind[] = ['low-light', 'low-contrast', 'uneven', 'blur'];

/** Parameters of every degradation; the defaults are what `npm run eval` and the gate use. */
export interface DegradationParams {
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
};

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

/** Degrade a clean 8-bit image; deterministic. */
export function degrade<T extends EngineImage>(img: T, kind: DegradationKind, params: DegradationParams = DEFAULT_DEGRADATION): T {
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

/** The clean image paired with each requested degradation. */
export function degradedPairs<T extends EngineImage>(clean: T, kinds: readonly DegradationKind[] = DEGRADATION_KINDS, params?: DegradationParams): DegradedPair<T>[] {
  return kinds.map((kind) => ({ kind, clean, degraded: degrade(clean, kind, params) }));
}
