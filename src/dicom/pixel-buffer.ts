import { ConformanceError } from '../shared/errors.js';
import type { PixelModule } from './pixel-module.js';
import { DimseStatus } from './status.js';

/** One frame of stored pixel values; colour frames hold interleaved samples. */
export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** The byte chunks of a dcmjs Pixel Data value (an ArrayBuffer, a typed array, or a list of them). */
export function pixelDataChunks(value: unknown): Uint8Array[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const chunks: Uint8Array[] = [];
  for (const item of list) {
    if (Array.isArray(item)) chunks.push(...pixelDataChunks(item));
    else if (item instanceof ArrayBuffer) chunks.push(new Uint8Array(item));
    else if (ArrayBuffer.isView(item)) chunks.push(new Uint8Array(item.buffer, item.byteOffset, item.byteLength));
    else {
      throw new ConformanceError('PACS_E_PIXEL_DATA_INVALID', `Pixel Data value of type ${typeof item} cannot be read`, {
        dimseStatus: DimseStatus.DataSetDoesNotMatchSopClass,
      });
    }
  }
  return chunks;
}

/** Concatenates chunks into one fresh buffer (always a copy, so later in-place work is safe). */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Reverses byte order of every `width`-byte word in place (big endian → little endian). */
export function swapBytes(bytes: Uint8Array, width: 2 | 4): void {
  const n = bytes.length - (bytes.length % width);
  if (width === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
  } else {
    for (let i = 0; i < n; i += 4) {
      let t = bytes[i];
      bytes[i] = bytes[i + 3];
      bytes[i + 3] = t;
      t = bytes[i + 1];
      bytes[i + 1] = bytes[i + 2];
      bytes[i + 2] = t;
    }
  }
}

/** A typed-array view of `count` samples at `byteOffset` (little endian), of the pixel module's type. */
export function typedSamples(bytes: Uint8Array, byteOffset: number, count: number, pm: PixelModule): PixelArray {
  const signed = pm.PixelRepresentation === 1;
  const abs = bytes.byteOffset + byteOffset;
  switch (pm.BitsAllocated) {
    case 8:
      return signed ? new Int8Array(bytes.buffer, abs, count) : new Uint8Array(bytes.buffer, abs, count);
    case 16: {
      if (abs % 2 !== 0) return typedSamples(bytes.slice(byteOffset, byteOffset + count * 2), 0, count, pm);
      return signed ? new Int16Array(bytes.buffer, abs, count) : new Uint16Array(bytes.buffer, abs, count);
    }
    case 32: {
      if (abs % 4 !== 0) return typedSamples(bytes.slice(byteOffset, byteOffset + count * 4), 0, count, pm);
      return signed ? new Int32Array(bytes.buffer, abs, count) : new Uint32Array(bytes.buffer, abs, count);
    }
    default:
      throw new RangeError(`no typed array for Bits Allocated ${pm.BitsAllocated}`);
  }
}

/** Unpacks `count` 1-bit samples starting at `bitOffset` (least significant bit first, PS3.5 D.2). */
export function unpackBits(bytes: Uint8Array, bitOffset: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = bitOffset + i;
    out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}

/**
 * Keeps only the Bits Stored bits below High Bit and sign-extends signed values, in place
 * (PS3.5 8.1.1: the bits outside Bits Stored are not pixel data, e.g. old overlay planes).
 */
export function normalizeStoredBits(values: PixelArray, pm: PixelModule): void {
  if (pm.BitsStored >= pm.BitsAllocated || pm.BitsAllocated === 1) return;
  const shift = pm.HighBit + 1 - pm.BitsStored;
  const mask = 2 ** pm.BitsStored - 1;
  const signBit = 2 ** (pm.BitsStored - 1);
  const range = 2 ** pm.BitsStored;
  const signed = pm.PixelRepresentation === 1;
  if (pm.BitsAllocated <= 16) {
    const all = 2 ** pm.BitsAllocated - 1;
    for (let i = 0; i < values.length; i++) {
      let v = ((values[i] & all) >> shift) & mask;
      if (signed && v >= signBit) v -= range;
      values[i] = v;
    }
    return;
  }
  for (let i = 0; i < values.length; i++) {
    // 32-bit: stay in float arithmetic, bit operators would wrap unsigned values.
    const raw = values[i] >= 0 ? values[i] : values[i] + 2 ** 32;
    let v = Math.floor(raw / 2 ** shift) % range;
    if (signed && v >= signBit) v -= range;
    values[i] = v;
  }
}
