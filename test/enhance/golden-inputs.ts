/**
 * The formula inputs the golden test shares with test/reference/unimie_reference.py: an
 * integer-only test image and closed-form pseudo-noise, so no RNG parity is needed.
 */
import type { RgbImage } from '../../src/render/rgb-image.js';
import type { NoiseSource } from '../../src/enhance/enhancement-run.js';

/** Textured disc on a dark background (golden_image in the reference). */
export function goldenImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const r0 = Math.floor((Math.min(width, height) * 3) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const dx = x - Math.floor(width / 2);
      const dy = y - Math.floor(height / 2);
      if (dx * dx * 4 + dy * dy * 9 < r0 * r0) {
        data[i] = (x * 7 + y * 13 + ((x * y) % 31) * 3) % 256;
        data[i + 1] = (x * 3 + y * 5 + ((x + y) % 17) * 5) % 256;
        data[i + 2] = (x * 11 + y * 2) % 256;
      } else {
        data[i] = data[i + 1] = data[i + 2] = (x + y) % 5;
      }
    }
  }
  return { width, height, data };
}

function uniform(kind: number, slice: number, step: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const a = i * 0.7548776662 + kind * 0.569840291 + step * 0.3141592653 + slice * 0.2718281828;
    const v = Math.sin(a * 12.9898 + 1.2345) * 43758.5453;
    out[i] = v - Math.floor(v);
  }
}

function normal(kind: number, slice: number, step: number, out: Float32Array): void {
  const acc = new Float64Array(out.length);
  const u = new Float64Array(out.length);
  for (let j = 0; j < 4; j++) {
    uniform(kind * 4 + j, slice, step, u);
    for (let i = 0; i < u.length; i++) acc[i]! += u[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = (acc[i]! - 2) * Math.sqrt(3);
}

/** formula_uniform / formula_normal of the reference, as a NoiseSource. */
export const formulaNoise: NoiseSource = {
  initialGain: (s) => {
    const u = new Float64Array(1);
    uniform(0, s, 0, u);
    return (u[0]! - 0.5) * 0.02;
  },
  initialMap: (s, out) => {
    const u = new Float64Array(out.length);
    uniform(1, s, 0, u);
    for (let i = 0; i < out.length; i++) out[i] = u[i]! / 1e4;
  },
  startNoise: (s, out) => normal(2, s, 0, out),
  stepNoise: (s, k, out) => normal(3, s, k, out),
};
