/**
 * The quality gate's background: where the *clean* image is empty, found without the engine's
 * estimate of it. The engine protects its own estimate of the background and copies those
 * pixels unchanged, so a check over the engine's mask cannot fail; this mask comes from the
 * clean image alone: Otsu's threshold (not the engine's), the dark side connected to the image
 * border (the flood fill the engine's conditioning also uses), eroded a few pixels so that edges
 * softened by a degradation (blur, noise, partial volume) are not counted as background. Pure.
 */
import { borderConnectedDark } from '../enhance/conditioning.js';
import { grayPlane } from '../enhance/quality.js';
import type { EngineImage } from '../enhance/image-planes.js';

/** Pixels removed from the edge of the background; see the file comment. */
export const BACKGROUND_EROSION_PX = 3;

/**
 * Otsu's threshold (Otsu 1979) of values in [0, 255], rounded to 256 bins: the t maximising the
 * between-class variance of {v ≤ t} and {v > t}. The first such t on ties; 0 for a constant image.
 */
export function otsuThreshold(values: ArrayLike<number>): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < values.length; i++) hist[Math.min(255, Math.max(0, Math.round(values[i]!)))]!++;
  const total = values.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * hist[v]!;
  let n0 = 0;
  let sum0 = 0;
  let best = -1;
  let threshold = 0;
  for (let t = 0; t < 255; t++) {
    n0 += hist[t]!;
    sum0 += t * hist[t]!;
    const n1 = total - n0;
    if (n0 === 0 || n1 === 0) continue;
    const m0 = sum0 / n0;
    const m1 = (sumAll - sum0) / n1;
    const between = n0 * n1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/** The pixels of a 0/1 `mask` 4-connected to the image border through `mask`. */
export function borderConnected(mask: Uint8Array, width: number, height: number): Uint8Array {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} pixels, expected ${width * height}`);
  return borderConnectedDark(Float32Array.from(mask, (m) => (m ? 0 : 1)), width, height, 0.5);
}

/**
 * Erosion by a (2r+1)² square: a pixel stays when every pixel within r of it (Chebyshev) is in
 * the mask. Outside the image counts as in the mask, since the background goes on past the
 * border. Separable: rows, then columns.
 */
export function erodeMask(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const pass = (src: Uint8Array, along: 'x' | 'y'): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let keep = 1;
        for (let d = -r; d <= r && keep; d++) {
          const xx = along === 'x' ? x + d : x;
          const yy = along === 'y' ? y + d : y;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          keep = src[yy * width + xx]!;
        }
        out[y * width + x] = keep;
      }
    }
    return out;
  };
  return pass(pass(mask, 'x'), 'y');
}

/** The clean image's background for the gate: Otsu dark side, border-connected, eroded. */
export function cleanBackgroundMask(clean: EngineImage, erosion = BACKGROUND_EROSION_PX): Uint8Array {
  const { width, height } = clean;
  const plane = grayPlane(clean);
  const t = otsuThreshold(plane);
  // Otsu's dark side is round(v) ≤ t, i.e. round(v) < t + 0.5 (t is an integer).
  const dark = borderConnectedDark(Float32Array.from(plane, (v) => Math.round(v)), width, height, t + 0.5);
  return erodeMask(dark, width, height, erosion);
}

/**
 * Mean gradient magnitude (grey levels per pixel, central differences, one-sided at the image
 * edge) over the masked pixels of an H×W plane; 0 for an empty mask.
 */
export function meanGradientMagnitude(plane: ArrayLike<number>, width: number, height: number, mask: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const x0 = Math.max(0, x - 1);
      const x1 = Math.min(width - 1, x + 1);
      const y0 = Math.max(0, y - 1);
      const y1 = Math.min(height - 1, y + 1);
      const gx = x1 > x0 ? (plane[y * width + x1]! - plane[y * width + x0]!) / (x1 - x0) : 0;
      const gy = y1 > y0 ? (plane[y1 * width + x]! - plane[y0 * width + x]!) / (y1 - y0) : 0;
      sum += Math.hypot(gx, gy);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}
