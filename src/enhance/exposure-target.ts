/**
 * Exposure targets per 8×8 block of a patch, from a per-pixel target map over the whole image.
 * Pure.
 */
import { EXPOSURE_BLOCK } from './guidance.js';

/**
 * Block targets of the p×p patch at (y0, x0): the mean of the map over each block's pixels that
 * are not NaN, or NaN (no pull) when more than half of the block is NaN.
 */
export function blockTargets(map: Float32Array, width: number, y0: number, x0: number, patch: number): Float64Array {
  const nb = patch / EXPOSURE_BLOCK;
  const out = new Float64Array(nb * nb);
  const B = EXPOSURE_BLOCK;
  for (let by = 0; by < nb; by++) {
    for (let bx = 0; bx < nb; bx++) {
      let sum = 0;
      let n = 0;
      for (let py = 0; py < B; py++) {
        const row = (y0 + by * B + py) * width + x0 + bx * B;
        for (let px = 0; px < B; px++) {
          const v = map[row + px]!;
          if (!Number.isNaN(v)) {
            sum += v;
            n++;
          }
        }
      }
      out[by * nb + bx] = n * 2 > B * B ? sum / n : Number.NaN;
    }
  }
  return out;
}
