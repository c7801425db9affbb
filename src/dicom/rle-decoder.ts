import { PixelDecodeError } from './pixel-errors.js';
import type { PixelModule } from './pixel-module.js';
import { TransferSyntax } from './transfer-syntax.js';

function rleError(message: string): PixelDecodeError {
  return new PixelDecodeError(`RLE Lossless: ${message}`, { transferSyntaxUid: TransferSyntax.RleLossless });
}

/** PackBits decoding of one RLE segment into `out` (PS3.5 G.3.1). Returns the bytes written. */
function decodeSegment(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = (src[i++] << 24) >> 24; // signed byte
    if (n >= 0) {
      const len = Math.min(n + 1, end - i, out.length - o);
      out.set(src.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, out.length - o);
      out.fill(src[i++], o, o + len);
      o += len;
    }
  }
  return o;
}

/**
 * Decodes one RLE Lossless frame (PS3.5 Annex G) into little-endian, colour-by-pixel bytes.
 * Segments hold one byte plane each: for every sample, most significant byte first.
 */
export function decodeRleFrame(frame: Uint8Array, pm: PixelModule): Uint8Array {
  if (pm.BitsAllocated % 8 !== 0) throw rleError(`Bits Allocated ${pm.BitsAllocated} is not supported`);
  if (frame.byteLength < 64) throw rleError(`frame of ${frame.byteLength} bytes has no 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = pm.BitsAllocated / 8;
  const expected = bytesPerSample * pm.SamplesPerPixel;
  if (segments !== expected) throw rleError(`header lists ${segments} segments, expected ${expected}`);
  const pixels = pm.Rows * pm.Columns;
  const out = new Uint8Array(pixels * expected);
  const plane = new Uint8Array(pixels);
  for (let seg = 0; seg < segments; seg++) {
    const start = view.getUint32(4 + seg * 4, true);
    const end = seg + 1 < segments ? view.getUint32(8 + seg * 4, true) : frame.byteLength;
    if (start < 64 || start > end || end > frame.byteLength) throw rleError(`segment ${seg + 1} has invalid offsets`);
    plane.fill(0);
    const written = decodeSegment(frame, start, end, plane);
    if (written < pixels) throw rleError(`segment ${seg + 1} decodes to ${written} bytes, expected ${pixels}`);
    const sample = Math.floor(seg / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (seg % bytesPerSample); // MSB segment first → LE position
    for (let p = 0; p < pixels; p++) out[(p * pm.SamplesPerPixel + sample) * bytesPerSample + byteInSample] = plane[p];
  }
  return out;
}
