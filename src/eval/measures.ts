/**
 * The figures the evaluation reports for one method on one image: full-reference PSNR and SSIM
 * against the clean image, and no-reference lightness order error, entropy, mean grey, and the
 * entropy and mean gradient over the clean image's background. PSNR, SSIM, entropy and LOE are
 * the engine's formulas (src/enhance/quality.ts); the background is not the engine's: it comes
 * from the clean image alone (background-mask.ts), so the engine cannot have copied it.
 * NIQE has no npm package and is not reported.
 */
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import { entropy, grayPlane, lightnessOrderError, psnr, ssim } from '../enhance/quality.js';
import { cleanBackgroundMask, meanGradientMagnitude } from './background-mask.js';

export interface ImageScores {
  /** Against the clean image (channel mean for RGB). */
  psnr: number;
  ssim: number;
  /** Lightness order error against the method's input (the degraded image). */
  loe: number;
  /** Entropy in bits of the whole output. */
  entropy: number;
  /** Entropy in bits of the output over the clean image's background. */
  backgroundEntropy: number;
  /** Mean gradient magnitude (grey levels per pixel) of the output over the clean image's background. */
  backgroundGradient: number;
  /** Mean grey of the output, 0…255. */
  meanGray: number;
}

/** What stays fixed for every method on one (clean, degraded) pair. */
export interface PairContext {
  clean: Float64Array;
  degraded: EngineImage;
  width: number;
  height: number;
  /** The clean image's background (cleanBackgroundMask). */
  background: Uint8Array;
  backgroundFraction: number;
}

/** What stays fixed for every method on a (clean, degraded) pair. */
export function pairContext(clean: EngineImage, degraded: EngineImage): PairContext {
  if (clean.width !== degraded.width || clean.height !== degraded.height) throw new RangeError('clean and degraded images differ in size');
  const { width, height } = clean;
  const background = cleanBackgroundMask(clean);
  let n = 0;
  for (const m of background) n += m;
  return { clean: grayPlane(clean), degraded, width, height, background, backgroundFraction: n / background.length };
}

function meanOf(p: Float64Array): number {
  let s = 0;
  for (const v of p) s += v;
  return s / p.length;
}

/** Score one method's output on a pair. */
export function scoreOutput(ctx: PairContext, output: EngineImage): ImageScores {
  if (output.width !== ctx.width || output.height !== ctx.height) throw new RangeError('output differs in size from the input');
  const out = grayPlane(output);
  return {
    psnr: psnr(ctx.clean, out),
    ssim: ssim(ctx.clean, out, ctx.width, ctx.height),
    loe: lightnessOrderError(ctx.degraded, output),
    entropy: entropy(out),
    backgroundEntropy: entropy(out, ctx.background),
    backgroundGradient: meanGradientMagnitude(out, ctx.width, ctx.height, ctx.background),
    meanGray: meanOf(out),
  };
}

/** PSNR is infinite for identical images; means and JSON use this cap instead. */
export const PSNR_CAP_DB = 100;

/** A PSNR capped at PSNR_CAP_DB (NaN stays NaN). */
export function cappedDb(v: number): number {
  return Math.min(v, PSNR_CAP_DB);
}

/**
 * How closely two outputs of the same input agree: PSNR (dB) of one against the other over every
 * sample (all three channels for RGB); Infinity when identical. The ablation reports it for a
 * preset against its network-free twin.
 */
export function agreementDb(a: EngineImage, b: EngineImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError('outputs differ in size');
  return psnr(samplesOf(a), samplesOf(b));
}

function samplesOf(img: EngineImage): Uint8Array {
  return isGrayImage(img) ? img.gray : img.data;
}
