import type { PixelArray } from './pixel-buffer.js';

type Ctor<T extends PixelArray> = { new (length: number): T };

function like<T extends PixelArray>(a: T, length: number): T {
  return new (a.constructor as Ctor<T>)(length);
}

/**
 * Colour-by-plane (R…R G…G B…B, Planar Configuration 1) → colour-by-pixel (RGBRGB…),
 * PS3.3 C.7.6.3.1.3. Returns a new array of the same type.
 */
export function planarToInterleaved<T extends PixelArray>(planar: T, pixelCount: number, samples = 3): T {
  const out = like(planar, pixelCount * samples);
  for (let s = 0; s < samples; s++) {
    const base = s * pixelCount;
    for (let i = 0; i < pixelCount; i++) out[i * samples + s] = planar[base + i];
  }
  return out;
}

/**
 * Uncompressed YBR_FULL_422 (Y1 Y2 Cb Cr per horizontal pixel pair, PS3.3 C.7.6.3.1.2) →
 * full-resolution interleaved Y Cb Cr, chroma repeated for both pixels of a pair.
 */
export function ybr422ToFull<T extends PixelArray>(src: T, rows: number, columns: number): T {
  const out = like(src, rows * columns * 3);
  const pairsPerRow = Math.ceil(columns / 2);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < pairsPerRow; p++) {
      const s = (r * pairsPerRow + p) * 4;
      const cb = src[s + 2];
      const cr = src[s + 3];
      for (let k = 0; k < 2; k++) {
        const c = p * 2 + k;
        if (c >= columns) break;
        const d = (r * columns + c) * 3;
        out[d] = src[s + k];
        out[d + 1] = cb;
        out[d + 2] = cr;
      }
    }
  }
  return out;
}
