import type { Dataset } from '../dicom/part10.js';
import type { PixelModule } from '../dicom/pixel-module.js';
import { firstNumber } from './frame-attributes.js';

/** Inclusive range of stored values that mark padding (PS3.3 C.7.5.1.1.2). */
export interface PaddingRange {
  low: number;
  high: number;
}

/** Pixel Padding Value and Range Limit carry the pixel data's signedness; dcmjs may read SS as US. */
function asStored(value: number, pm: PixelModule): number {
  const bits = pm.BitsAllocated <= 16 ? 16 : 32;
  if (pm.PixelRepresentation === 1 && value >= 2 ** (bits - 1)) return value - 2 ** bits;
  return value;
}

/**
 * The padding range of a data set: Pixel Padding Value alone, or with Pixel Padding Range Limit
 * (either may be the larger). Undefined when the object declares no padding.
 */
export function readPaddingRange(ds: Dataset, pm: PixelModule): PaddingRange | undefined {
  if (pm.SamplesPerPixel !== 1) return undefined;
  const value = firstNumber(ds, 'PixelPaddingValue');
  if (value === undefined) return undefined;
  const a = asStored(value, pm);
  const limit = firstNumber(ds, 'PixelPaddingRangeLimit');
  const b = limit === undefined ? a : asStored(limit, pm);
  return { low: Math.min(a, b), high: Math.max(a, b) };
}

/** 1 where a stored value lies in the padding range; undefined when nothing is padding. */
export function paddingMask(stored: ArrayLike<number>, range: PaddingRange | undefined): Uint8Array | undefined {
  if (!range) return undefined;
  const mask = new Uint8Array(stored.length);
  let any = false;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] >= range.low && stored[i] <= range.high) {
      mask[i] = 1;
      any = true;
    }
  }
  return any ? mask : undefined;
}
