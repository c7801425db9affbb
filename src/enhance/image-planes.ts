/**
 * Conversions between the node's 8-bit images and the sampler's planar float images
 * (unimie-algorithm.md §4). Pure.
 */
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';

/** An 8-bit single-channel image (windowed CT/MR), row-major. */
export interface GrayImage {
  width: number;
  height: number;
  /** Length width × height. */
  gray: Uint8Array;
}

export type EngineImage = RgbImage | GrayImage;

export function isGrayImage(img: EngineImage): img is GrayImage {
  return (img as GrayImage).gray !== undefined;
}

/** Planar 3×H×W in [0, 1]; grayscale is copied into R = G = B. */
export function toPlanarUnit(img: EngineImage): Float32Array {
  const hw = img.width * img.height;
  const out = new Float32Array(3 * hw);
  if (isGrayImage(img)) {
    if (img.gray.length !== hw) throw new RangeError(`gray buffer has ${img.gray.length} bytes, expected ${hw}`);
    for (let i = 0; i < hw; i++) {
      const v = img.gray[i]! / 255;
      out[i] = v;
      out[i + hw] = v;
      out[i + 2 * hw] = v;
    }
    return out;
  }
  if (img.data.length !== 3 * hw) throw new RangeError(`RGB buffer has ${img.data.length} bytes, expected ${3 * hw}`);
  for (let i = 0; i < hw; i++) {
    out[i] = img.data[3 * i]! / 255;
    out[i + hw] = img.data[3 * i + 1]! / 255;
    out[i + 2 * hw] = img.data[3 * i + 2]! / 255;
  }
  return out;
}

/** ((x+1)·127.5) clamped to [0, 255] and truncated (MI.py:209). */
export function quantise(x: number): number {
  const v = (x + 1) * 127.5;
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

/**
 * Planar [-1, 1] → interleaved 8-bit RGB. With `gray`, the channel mean is taken before
 * quantising and written to all three channels (and returned as `gray`).
 */
export function fromPlanarSigned(x: Float32Array, width: number, height: number, gray: boolean): { image: RgbImage; gray?: Uint8Array } {
  const hw = width * height;
  const data = new Uint8Array(3 * hw);
  if (gray) {
    const g = new Uint8Array(hw);
    for (let i = 0; i < hw; i++) {
      const v = quantise((x[i]! + x[i + hw]! + x[i + 2 * hw]!) / 3);
      g[i] = v;
      data[3 * i] = v;
      data[3 * i + 1] = v;
      data[3 * i + 2] = v;
    }
    return { image: createRgbImage(width, height, data), gray: g };
  }
  for (let i = 0; i < hw; i++) {
    data[3 * i] = quantise(x[i]!);
    data[3 * i + 1] = quantise(x[i + hw]!);
    data[3 * i + 2] = quantise(x[i + 2 * hw]!);
  }
  return { image: createRgbImage(width, height, data) };
}
