/**
 * What the engine derives from the input before sampling, for the practical-step-count options
 * (engine issue "Making it work at practical step counts"; unimie-algorithm.md §11): a contrast
 * stretch for low-contrast inputs, the background mask (dark regions connected to the border)
 * with a feathered edge, a gamma that brings the foreground mean to mid-grey, and the per-pixel
 * exposure target. Pure; images are planar 3×H×W in [0, 1].
 */

import { BRIGHT_END_LEVELS, MEDIAN_LEVELS, brightenedMean, brighteningWeight, localBrightEnd } from './exposure-deficit.js';

/** Pixels darker than this fraction of the bright end (99th percentile) may be background. */
export const BACKGROUND_LEVEL = 0.08;
/** Absolute floor of the background threshold in [0, 1]. */
export const BACKGROUND_FLOOR = 0.02;
/**
 * Background judged by the border: the threshold comes down to this quantile of the (smoothed)
 * border pixels plus BORDER_MARGIN where that is lower. A vignetted low-light endoscopy frame has
 * a rim of tissue a few grey levels above its black mask, which a threshold relative to the bright
 * end counts as background and leaves dark.
 */
export const BORDER_QUANTILE = 0.9;
export const BORDER_MARGIN = 2 / 255;
/** Width in pixels of the ramp between the kept background and the enhanced foreground. */
export const FEATHER_PX = 4;
/**
 * A spread below this fraction of the range above the black level counts as low contrast and is
 * stretched (spread: the brightest channel's 99.9th percentile − the darkest channel's 1st).
 */
export const LOW_CONTRAST_SPREAD = 0.6;
/**
 * Spreads below this are intrinsically flat images (a wide window over uniform tissue), not
 * flattened ones: stretching them would turn their noise into structure. The stretch fades in
 * between this and FULL_STRETCH_SPREAD.
 */
export const FLAT_SPREAD = 0.08;
export const FULL_STRETCH_SPREAD = 0.14;
/** A 1st percentile this far above the black level counts as lifted (flattened, hazy input). */
export const LIFTED_BLACK = 0.04;
/** Foreground mean the start gamma aims at; the gamma only brightens (γ ∈ [0.25, 1]). */
export const GAMMA_TARGET_MEAN = 0.5;

export interface ConditioningOptions {
  contrastStretch: boolean;
  startGamma: boolean;
  /** Gamma per pixel from the local foreground mean (uneven illumination), not one global γ. */
  localGamma: boolean;
  backgroundProtection: boolean;
  /** Restrict the exposure pull to foreground blocks (background → NaN target). */
  exposureForegroundOnly: boolean;
  /** A number in [-1, 1] or 'input' (per pixel, from the brightened input). */
  exposureTarget: number | 'input';
  /** Brighten only as far as the exposure level shows underexposure (exposure-deficit.ts); false = always to mid-grey. */
  brightenOnlyUnderexposed: boolean;
  /**
   * What the exposure level is: the bright end (99.9th percentile, local block maxima) or the
   * median (local mean) of the brightest channel over the object — camera images keep bright
   * highlights when underexposed.
   */
  exposureJudgedBy: 'bright-end' | 'median';
  /**
   * The input's noise σ in [0, 1] units (0 = clean). Above STATISTICS_NOISE_LEVEL the statistics
   * (percentiles, background mask, exposure levels) are read from a smoothed copy, while the
   * stretch and gamma still apply to the input itself: on a noisy input the raw extremes are
   * noise (a 1st percentile 2–3 σ below the background level hides a lifted black level, and
   * noisy background pixels above the threshold break the border-connected mask).
   */
  noiseSigma: number;
  /** The background threshold is at least this many `noiseSigma` (preset `backgroundNoiseFloor`). */
  backgroundNoiseFloor: number;
  /** `border`: the threshold comes down to just above the border's level where that is darker. */
  backgroundJudgedBy: 'bright-end' | 'border';
  /**
   * Grey level in [0, 1] of "no signal" in the rendering (a CT lung window shows air as dark
   * grey; 0 for most windows). The stretch maps the darkest pixels here rather than to black, and
   * contrast is judged on the range above it.
   */
  blackLevel?: number;
}

/** Noise σ (8-bit grey levels) above which the statistics are read from a smoothed copy. */
export const STATISTICS_NOISE_LEVEL = 2;
/** Box radius (px, applied twice) of that smoothing. */
export const STATISTICS_BLUR_RADIUS = 2;

export interface Conditioning {
  /** Guidance reference y (stretched input), 3×H×W in [0, 1]. */
  reference: Float32Array;
  /** Image the anchored start is noised from (reference brightened by γ), 3×H×W in [0, 1]. */
  start: Float32Array;
  /** Per-pixel exposure target in [-1, 1] (NaN = no pull), or one number. */
  exposureTarget: number | Float32Array;
  /** Per pixel weight of the reference in the output (1 = kept from the input), or null. */
  keepWeight: Float32Array | null;
  /** The reference smoothed as the statistics were (null when the input was not noisy enough to smooth). */
  smoothedReference: Float32Array | null;
  /** 1 on the object (not the dark border-connected background); null when no usable mask was found. */
  foreground: Uint8Array | null;
  stats: { stretched: boolean; gamma: number; backgroundFraction: number; lo: number; hi: number };
}

/** Quantile of the bright end used to judge global exposure (robust to a few hot pixels). */
export const BRIGHT_END_QUANTILE = 0.999;

/** q-quantile of the foreground pixels (all pixels when the mask is not usable). */
function foregroundQuantile(gray: Float32Array, background: Uint8Array, maskUsable: boolean, q: number): number {
  if (!maskUsable) return quantile(gray, q);
  const fg = gray.filter((_, i) => background[i] === 0);
  return fg.length > 0 ? quantile(fg, q) : quantile(gray, q);
}

/** Largest of the three channels per pixel (HSV value), H·W. */
export function maxChannel(img: Float32Array, hw: number): Float32Array {
  const out = new Float32Array(hw);
  for (let i = 0; i < hw; i++) out[i] = Math.max(img[i]!, img[i + hw]!, img[i + 2 * hw]!);
  return out;
}

/** Smallest of the three channels per pixel, H·W. */
export function minChannel(img: Float32Array, hw: number): Float32Array {
  const out = new Float32Array(hw);
  for (let i = 0; i < hw; i++) out[i] = Math.min(img[i]!, img[i + hw]!, img[i + 2 * hw]!);
  return out;
}

/** Channel mean, H·W. */
export function luminance(img: Float32Array, hw: number): Float32Array {
  const out = new Float32Array(hw);
  for (let i = 0; i < hw; i++) out[i] = (img[i]! + img[i + hw]! + img[i + 2 * hw]!) / 3;
  return out;
}

/**
 * The q-quantile (0…1) of values in [0, 1], from a 4096-bin histogram (values outside are
 * clamped); resolution 1/4096, which is finer than the 8-bit input.
 */
export function quantile(values: Float32Array, q: number): number {
  const BINS = 4096;
  const hist = new Uint32Array(BINS);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    hist[v <= 0 ? 0 : v >= 1 ? BINS - 1 : Math.min(BINS - 1, Math.floor(v * BINS))]!++;
  }
  const rank = Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))));
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += hist[b]!;
    if (seen > rank) return (b + 0.5) / BINS;
  }
  return 1;
}

/** The values of a plane's outermost rows and columns. */
export function borderRing(gray: Float32Array, width: number, height: number): Float32Array {
  const ring: number[] = [];
  for (let x = 0; x < width; x++) ring.push(gray[x]!, gray[(height - 1) * width + x]!);
  for (let y = 1; y < height - 1; y++) ring.push(gray[y * width]!, gray[y * width + width - 1]!);
  return Float32Array.from(ring);
}

/**
 * Background threshold: a fraction of the bright end (at least an absolute floor); judged by the
 * border, lowered to just above the border's level where that is darker; raised to `noiseFloor`
 * when the preset asks for it (a magnitude image's Rician air).
 */
export function backgroundThreshold(
  gray: Float32Array,
  width: number,
  height: number,
  judgedBy: ConditioningOptions['backgroundJudgedBy'],
  noiseFloor: number,
): number {
  const relative = Math.max(BACKGROUND_FLOOR, BACKGROUND_LEVEL * quantile(gray, 0.99));
  const border = judgedBy === 'border' ? quantile(borderRing(gray, width, height), BORDER_QUANTILE) + BORDER_MARGIN : relative;
  return Math.max(Math.min(relative, border), noiseFloor);
}

/** Dark pixels (below `threshold`) 4-connected to the image border. */
export function borderConnectedDark(gray: Float32Array, width: number, height: number, threshold: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const stack: number[] = [];
  const push = (i: number): void => {
    if (mask[i] === 0 && gray[i]! < threshold) {
      mask[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = i % width;
    if (x > 0) push(i - 1);
    if (x < width - 1) push(i + 1);
    if (i >= width) push(i - width);
    if (i < (height - 1) * width) push(i + width);
  }
  return mask;
}

/**
 * Feathered keep-weight: 0 on the foreground, rising linearly with the chamfer distance from
 * the foreground to 1 at `radius` pixels inside the background.
 */
export function featherWeight(mask: Uint8Array, width: number, height: number, radius: number): Float32Array {
  const INF = 1e9;
  const d = new Float64Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? INF : 0;
  const diag = Math.SQRT2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = d[i]!;
      if (v === 0) continue;
      if (x > 0) v = Math.min(v, d[i - 1]! + 1);
      if (y > 0) {
        v = Math.min(v, d[i - width]! + 1);
        if (x > 0) v = Math.min(v, d[i - width - 1]! + diag);
        if (x < width - 1) v = Math.min(v, d[i - width + 1]! + diag);
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      let v = d[i]!;
      if (v === 0) continue;
      if (x < width - 1) v = Math.min(v, d[i + 1]! + 1);
      if (y < height - 1) {
        v = Math.min(v, d[i + width]! + 1);
        if (x < width - 1) v = Math.min(v, d[i + width + 1]! + diag);
        if (x > 0) v = Math.min(v, d[i + width - 1]! + diag);
      }
      d[i] = v;
    }
  }
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, d[i]! / radius);
  return out;
}

/**
 * Weight of the input in the output: 1 on the whole background (kept exactly, so no texture is
 * invented there), falling linearly to 0 over FEATHER_PX pixels into the object, so the copy
 * has no visible seam (a ramp outside the object showed a bright halo in the measurement).
 */
export function keepWeightOf(background: Uint8Array, width: number, height: number): Float32Array {
  const foreground = background.map((v) => 1 - v);
  const inward = featherWeight(foreground, width, height, FEATHER_PX);
  return inward.map((v) => 1 - v);
}

/** The local-gamma window is this fraction of the long side (box radius, blurred twice). */
export const LOCAL_GAMMA_FRACTION = 6;

/** Running-sum box blur of radius r along rows then columns, clamped at the edges. */
function boxBlur(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let acc = 0;
    for (let x = -r; x <= r; x++) acc += src[row + Math.min(width - 1, Math.max(0, x))]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = acc / (2 * r + 1);
      acc += src[row + Math.min(width - 1, x + r + 1)]! - src[row + Math.max(0, x - r)]!;
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let y = -r; y <= r; y++) acc += tmp[Math.min(height - 1, Math.max(0, y)) * width + x]!;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc / (2 * r + 1);
      acc += tmp[Math.min(height - 1, y + r + 1) * width + x]! - tmp[Math.max(0, y - r) * width + x]!;
    }
  }
  return out;
}

/**
 * Mean of `values` around each pixel over the pixels with weight 1 (normalised convolution with
 * a twice-applied box of radius r); NaN where no weighted pixel is near.
 */
export function localMean(values: Float32Array, weight: Float32Array, width: number, height: number, r: number): Float32Array {
  const vw = values.map((v, i) => v * weight[i]!);
  const num = boxBlur(boxBlur(vw, width, height, r), width, height, r);
  const den = boxBlur(boxBlur(weight, width, height, r), width, height, r);
  return num.map((v, i) => (den[i]! > 1e-3 ? v / den[i]! : Number.NaN));
}

/** How much of the full contrast stretch a spread (p99 − p1) gets: 0 when flat, 1 from FULL_STRETCH_SPREAD. */
export function stretchStrength(spread: number): number {
  const t = Math.min(1, Math.max(0, (spread - FLAT_SPREAD) / (FULL_STRETCH_SPREAD - FLAT_SPREAD)));
  return t * t * (3 - 2 * t);
}

/** γ with mean^γ = target, limited to brightening. */
export function gammaForMean(mean: number, target = GAMMA_TARGET_MEAN): number {
  if (!(mean > 0 && mean < 1)) return 1;
  return Math.min(1, Math.max(0.25, Math.log(target) / Math.log(mean)));
}

/** Each plane of a planar image box-blurred twice with radius r (a near-Gaussian of σ ≈ r). */
export function blurPlanes(img: Float32Array, width: number, height: number, r: number): Float32Array {
  const hw = width * height;
  const out = new Float32Array(img.length);
  for (let c = 0; c < img.length / hw; c++) out.set(boxBlur(boxBlur(img.subarray(c * hw, (c + 1) * hw), width, height, r), width, height, r), c * hw);
  return out;
}

/** Derive reference, start image, exposure target and background weight from the input. */
export function conditionInput(input: Float32Array, width: number, height: number, opts: ConditioningOptions): Conditioning {
  const hw = width * height;
  if (input.length !== 3 * hw) throw new RangeError(`input has ${input.length} values, expected ${3 * hw}`);
  let reference = input;
  const smoothed = opts.noiseSigma * 255 > STATISTICS_NOISE_LEVEL ? blurPlanes(input, width, height, STATISTICS_BLUR_RADIUS) : input;
  let noiseInReference = opts.noiseSigma;
  let statsReference = smoothed;
  const gray0 = luminance(smoothed, hw);
  // The range of all channels, not of their mean: a stretch to the luminance's bright end clips
  // the strongest channel of a saturated colour (red mucosa) and over-brightens it.
  const smoothedValue = maxChannel(smoothed, hw);
  let lo = quantile(minChannel(smoothed, hw), 0.01);
  let hi = quantile(smoothedValue, BRIGHT_END_QUANTILE);
  let stretched = false;
  // A lifted black level with a narrow spread is flattened contrast; a dark image (black still
  // black, narrow spread) is low light, which the gamma handles, not the stretch.
  // Spreads and the lifted black are judged on the range above the rendering's black level.
  const blackLevel = opts.blackLevel ?? 0;
  const range = 1 - blackLevel;
  const strength = stretchStrength((hi - lo) / range);
  if (opts.contrastStretch && lo - blackLevel > LIFTED_BLACK && (hi - lo) / range < LOW_CONTRAST_SPREAD && strength > 0) {
    // strength 1: lo → the black level, hi → 1; strength 0: v unchanged; continuous in between.
    const scale = 1 + strength * (range / (hi - lo) - 1);
    const black = lo + strength * (blackLevel - lo);
    const stretch = (img: Float32Array) => img.map((v) => Math.min(1, Math.max(0, black + (v - lo) * scale)));
    reference = stretch(input);
    statsReference = smoothed === input ? reference : stretch(smoothed);
    noiseInReference *= scale;
    stretched = true;
  } else {
    lo = 0;
    hi = 1;
  }
  const gray = stretched ? luminance(statsReference, hw) : gray0;
  const threshold = backgroundThreshold(gray, width, height, opts.backgroundJudgedBy, opts.backgroundNoiseFloor * noiseInReference);
  const background = borderConnectedDark(gray, width, height, threshold);
  let bgCount = 0;
  for (let i = 0; i < hw; i++) bgCount += background[i]!;
  // A "background" covering almost everything means the mask found no object: protect nothing.
  const maskUsable = bgCount > 0 && bgCount < 0.95 * hw;

  let gamma = 1;
  let start = reference;
  if (opts.startGamma) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < hw; i++) {
      if (maskUsable && background[i]) continue;
      sum += gray[i]!;
      n++;
    }
    const mean = n > 0 ? sum / n : 0.5;
    const onlyUnderexposed = opts.brightenOnlyUnderexposed;
    // A flat image (a wide window over uniform tissue) shows no bright end to judge exposure by:
    // it keeps its exposure, as it keeps its contrast.
    const structure = onlyUnderexposed ? stretchStrength(quantile(gray, 0.99) - quantile(gray, 0.01)) : 1;
    const byMedian = opts.exposureJudgedBy === 'median';
    const weightOf = (level: number) => structure * brighteningWeight(level, byMedian ? MEDIAN_LEVELS : BRIGHT_END_LEVELS);
    // Exposure is judged on the brightest channel: a well-exposed red mucosa has a low channel mean.
    const value = stretched ? maxChannel(statsReference, hw) : smoothedValue;
    const globalLevel = foregroundQuantile(value, background, maskUsable, byMedian ? 0.5 : BRIGHT_END_QUANTILE);
    gamma = gammaForMean(mean, onlyUnderexposed ? brightenedMean(mean, weightOf(globalLevel), GAMMA_TARGET_MEAN) : GAMMA_TARGET_MEAN);
    if (opts.localGamma) {
      const weight = new Float32Array(hw);
      for (let i = 0; i < hw; i++) weight[i] = maskUsable && background[i] ? 0 : 1;
      const radius = Math.max(4, Math.round(Math.max(width, height) / LOCAL_GAMMA_FRACTION));
      const local = localMean(gray, weight, width, height, radius);
      const brightEnd = !onlyUnderexposed ? null : byMedian ? localMean(value, weight, width, height, radius) : localBrightEnd(value, width, height);
      start = new Float32Array(3 * hw);
      for (let i = 0; i < hw; i++) {
        const m = local[i]!;
        // The background is not brightened: its noise floor is not an underexposed object.
        const g = maskUsable && background[i]
          ? 1
          : !Number.isFinite(m)
            ? gamma
            : gammaForMean(m, brightEnd ? brightenedMean(m, weightOf(brightEnd[i]!), GAMMA_TARGET_MEAN) : GAMMA_TARGET_MEAN);
        const r = reference[i]!;
        const v = r > 0 ? Math.pow(r, g) : 0;
        start[i] = v;
        // Grey input (R = G = B) needs one power per pixel, not three.
        const gr = reference[i + hw]!;
        const bl = reference[i + 2 * hw]!;
        start[i + hw] = gr === r ? v : gr > 0 ? Math.pow(gr, g) : 0;
        start[i + 2 * hw] = bl === r ? v : bl > 0 ? Math.pow(bl, g) : 0;
      }
    } else if (gamma !== 1) start = reference.map((v, i) => (maskUsable && background[i % hw] ? v : Math.pow(Math.max(0, v), gamma)));
  }

  const restrict = opts.exposureForegroundOnly && maskUsable;
  let exposureTarget: number | Float32Array;
  if (opts.exposureTarget === 'input' || restrict) {
    const map = new Float32Array(hw);
    const startGray = opts.exposureTarget === 'input' ? luminance(start, hw) : null;
    for (let i = 0; i < hw; i++) {
      if (restrict && background[i]) map[i] = Number.NaN;
      else map[i] = startGray ? 2 * startGray[i]! - 1 : (opts.exposureTarget as number);
    }
    exposureTarget = map;
  } else {
    exposureTarget = opts.exposureTarget;
  }
  const keepWeight = opts.backgroundProtection && maskUsable ? keepWeightOf(background, width, height) : null;
  return {
    reference,
    start,
    exposureTarget,
    keepWeight,
    smoothedReference: smoothed === input ? null : statsReference,
    foreground: maskUsable ? background.map((v) => 1 - v) : null,
    stats: { stretched, gamma, backgroundFraction: maskUsable ? bgCount / hw : 0, lo, hi },
  };
}
