import codecs from 'dcmjs-codecs';
import { readPart10, writePart10, type Dataset, type DicomFile } from '../dicom/part10.js';
import { concatBytes, pixelDataChunks } from '../dicom/pixel-buffer.js';
import { discardCodecsAfterTrap, initializeCodecs, transcodedFrame, transcoderElements } from '../dicom/pixel-codecs.js';
import { PixelDecodeError } from '../dicom/pixel-errors.js';
import { bitsPerFrame, readPixelModule, type PixelModule } from '../dicom/pixel-module.js';
import { decodeFrames, type DecodedImage } from '../dicom/pixels.js';
import { isNativeTransferSyntax, TransferSyntax, transferSyntaxName } from '../dicom/transfer-syntax.js';

/** Destination `transferSyntax` choices (config/node-schema.ts) → UID. */
export const EXPORT_TRANSFER_SYNTAXES = {
  'explicit-le': TransferSyntax.ExplicitVRLittleEndian,
  'implicit-le': TransferSyntax.ImplicitVRLittleEndian,
  rle: TransferSyntax.RleLossless,
  'jpeg-ls-lossless': TransferSyntax.JpegLsLossless,
  'j2k-lossless': TransferSyntax.Jpeg2000Lossless,
} as const satisfies Record<string, string>;

export type ExportTransferSyntaxChoice = keyof typeof EXPORT_TRANSFER_SYNTAXES;

/**
 * What the SCU proposes for a destination, in order of preference, each in its own presentation
 * context: the preferred syntax, then Explicit VR LE, then Implicit VR LE (PS3.5 §10.1: every
 * SCU must be able to fall back to Implicit VR Little Endian).
 */
export function exportProposal(choice: ExportTransferSyntaxChoice | undefined): string[] {
  const preferred = EXPORT_TRANSFER_SYNTAXES[choice ?? 'explicit-le'];
  return [...new Set([preferred, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian])];
}

/** Lossless encapsulated syntaxes the exporter can encode to (all through dcmjs-codecs). */
export const ENCODABLE_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.RleLossless,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.HtJpeg2000Lossless,
  TransferSyntax.JpegLosslessSv1,
];

/** Raw little-endian bytes of each frame of a native file, exactly as stored. */
async function nativeFrames(file: DicomFile, pm: PixelModule): Promise<Uint8Array[]> {
  if (file.transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian || pm.BitsAllocated === 1) {
    throw new PixelDecodeError(`cannot re-encode ${transferSyntaxName(file.transferSyntaxUid)} with ${pm.BitsAllocated}-bit pixels`, {
      transferSyntaxUid: file.transferSyntaxUid,
      code: 'PACS_E_ENCODE',
    });
  }
  const all = concatBytes(pixelDataChunks(file.dataset.PixelData));
  const frameBytes = bitsPerFrame(pm) / 8;
  return Array.from({ length: pm.NumberOfFrames }, (_, f) => all.slice(f * frameBytes, (f + 1) * frameBytes));
}

function encodeFrame(frame: Uint8Array, pm: PixelModule, target: string): { bytes: ArrayBuffer; photometricInterpretation: string } {
  try {
    const t = new codecs.Transcoder(transcoderElements(frame, pm), TransferSyntax.ExplicitVRLittleEndian);
    t.transcode(target);
    const encoded = transcodedFrame(t.getElements(), pm);
    if (!encoded) throw new Error('codec returned no fragment');
    return encoded;
  } catch (err) {
    discardCodecsAfterTrap(err);
    throw new PixelDecodeError(`cannot encode ${transferSyntaxName(target)}: ${(err as Error).message}`, {
      transferSyntaxUid: target,
      code: 'PACS_E_ENCODE',
      cause: err,
    });
  }
}

function sameSamples(b: DecodedImage, source: DecodedImage): boolean {
  if (b.frames.length !== source.frames.length) return false;
  return b.frames.every((f, i) => f.length === source.frames[i].length && f.every((v, k) => v === source.frames[i][k]));
}

/**
 * Re-encodes a Part-10 object in another transfer syntax: native ↔ native through dcmjs, native →
 * RLE / JPEG-LS / JPEG 2000 / HTJ2K lossless / JPEG lossless SV1 through dcmjs-codecs, one fragment
 * run per frame with a Basic Offset Table. Only lossless targets: the result is decoded again and
 * must give back exactly the stored values of the source, else PixelDecodeError (PACS_E_ENCODE).
 */
export async function encodePart10(bytes: Uint8Array, target: string): Promise<Buffer> {
  const file = readPart10(bytes);
  if (file.transferSyntaxUid === target) return Buffer.from(bytes);
  const meta = { sourceApplicationEntityTitle: typeof file.meta.SourceApplicationEntityTitle === 'string' ? file.meta.SourceApplicationEntityTitle : undefined };
  if (!isNativeTransferSyntax(file.transferSyntaxUid)) {
    throw new PixelDecodeError(`re-encoding from ${transferSyntaxName(file.transferSyntaxUid)} is not supported`, {
      transferSyntaxUid: file.transferSyntaxUid,
      code: 'PACS_E_ENCODE',
    });
  }
  if (isNativeTransferSyntax(target)) {
    return writePart10(file.dataset, { transferSyntaxUid: target, ...meta });
  }
  if (!ENCODABLE_TRANSFER_SYNTAXES.includes(target)) {
    throw new PixelDecodeError(`encoding to ${transferSyntaxName(target)} is not supported`, { transferSyntaxUid: target, code: 'PACS_E_ENCODE' });
  }
  await initializeCodecs();
  const pm = readPixelModule(file.dataset);
  const encoded = (await nativeFrames(file, pm)).map((f) => encodeFrame(f, pm, target));
  const dataset: Dataset = { ...file.dataset, PixelData: encoded.map((e) => e.bytes) };
  dataset._vrMap = { ...((file.dataset._vrMap as Record<string, string> | undefined) ?? {}), PixelData: 'OB' };
  if (pm.SamplesPerPixel === 3) {
    dataset.PlanarConfiguration = 0;
    dataset.PhotometricInterpretation = encoded[0].photometricInterpretation;
  }
  delete dataset.DataSetTrailingPadding;
  const out = writePart10(dataset, { transferSyntaxUid: target, ...meta });
  const check = await decodeFrames(readPart10(out));
  if (!sameSamples(check, await decodeFrames(file))) {
    throw new PixelDecodeError(`${transferSyntaxName(target)} round trip changed the pixel values`, { transferSyntaxUid: target, code: 'PACS_E_ENCODE' });
  }
  return out;
}
