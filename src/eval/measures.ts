/**
 * The figures the evaluation reports for one method on one image: full-reference PSNR and SSIM
 * against the clean image, and no-reference lightness order error, entropy, background entropy
 * and mean grey. The measures themselves are the engine's (src/enhance/quality.ts); this file
 * only decides what is compared with what. NIQE has no npm package and is not reported.
 */
import type { EngineImage } from '../enhance/image-planes.js';
import { backgroundMask, entropy, grayPlane, lightnessOrderError, psnr, ssim } from '../enhance/quality.js';

export interface ImageScores {
  /** Against the clean image (channel mean for RGB). */
  psnr: number;
  ssim: number;
  /** Lightness order error against the method's input (the degraded image). */
  loe: number;
  /** Entropy in bits of the whole output. */
  entropy: number;
  /** Entropy in bits of the output over the input's background. */
  backgroundEntropy: number;
  /** Mean grey of the output, 0…255. */
  meanGray: number;
}

/** What stays fixed for every method on one (clean, degraded) pair. */
export interface PairContext {
  clean: Float64Array;
  degraded: EngineImage;
  width: number;
  height: number;
  /** The degraded input's background: dark pixels connected to the border. */
  background: Uint8Array;
  backgroundFraction: number;
}

export function pairContext(clean: EngineImage, degraded: EngineImage): PairContext {
  if (clean.width !== degraded.width || clean.height !== degraded.height) throw new RangeError('clean and degraded images differ in size');
  const { width, height } = clean;
  const background = backgroundMask(grayPlane(degraded), width, height);
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
    meanGray: meanOf(out),
  };
}
