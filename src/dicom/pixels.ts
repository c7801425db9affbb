import { ConformanceError } from '../shared/errors.js';
import type { DicomFile } from './part10.js';
import { decodeCodecFrame, groupFragments } from './pixel-codecs.js';
import {
  concatBytes,
  normalizeStoredBits,
  pixelDataChunks,
  swapBytes,
  typedSamples,
  unpackBits,
  type PixelArray,
} from './pixel-buffer.js';
import { planarToInterleaved, ybr422ToFull } from './pixel-layout.js';
import { bitsPerFrame, expectedPixelBytes, readPixelModule, samplesPerFrame, type PixelModule } from './pixel-module.js';
import { decodeRleFrame } from './rle-decoder.js';
import { canDecodePixels, isNativeTransferSyntax, storedNotProcessed, TransferSyntax, transferSyntaxName } from './transfer-syntax.js';
import { PixelDecodeError } from './pixel-errors.js';

export { expectedPixelBytes, readPixelModule, type PixelModule } from './pixel-module.js';
export type { PixelArray } from './pixel-buffer.js';
export { PixelDecodeError } from './pixel-errors.js';

/** Decoded stored pixel values of every frame of one object. */
export interface DecodedImage {
  /**
   * Layout of `frames`: always colour-by-pixel (Planar Configuration 0); uncompressed
   * YBR_FULL_422 is upsampled to YBR_FULL; JPEG colour may come out of the codec as RGB.
   */
  pixelModule: PixelModule;
  /** The Image Pixel module as found in the data set. */
  sourcePixelModule: PixelModule;
  /** One array per frame, Rows × Columns × SamplesPerPixel stored values (sign-extended, masked to Bits Stored). */
  frames: PixelArray[];
  transferSyntaxUid: string;
  /** Bytes after the last frame that were ignored (odd-length pad or trailing padding). */
  ignoredTrailingBytes: number;
}

/** Transfer syntaxes whose pixel data this node can decode (same list as canDecodePixels). */
export function canDecodeTransferSyntax(uid: string): boolean {
  return canDecodePixels(uid);
}

function lengthError(ts: string, message: string): PixelDecodeError {
  return new PixelDecodeError(message, { transferSyntaxUid: ts, code: 'PACS_E_PIXEL_LENGTH' });
}

/** Turns little-endian frame bytes into the final per-frame arrays (bit masking, 4:2:2, planar). */
function finishFrame(bytes: Uint8Array, byteOffset: number, bitOffset: number, pm: PixelModule): PixelArray {
  const count = samplesPerFrame(pm);
  let values: PixelArray =
    pm.BitsAllocated === 1 ? unpackBits(bytes, bitOffset, count) : typedSamples(bytes, byteOffset, count, pm);
  normalizeStoredBits(values, pm);
  if (pm.PhotometricInterpretation === 'YBR_FULL_422') values = ybr422ToFull(values, pm.Rows, pm.Columns);
  else if (pm.SamplesPerPixel === 3 && pm.PlanarConfiguration === 1) {
    values = planarToInterleaved(values, pm.Rows * pm.Columns, 3);
  }
  return values;
}

function decodedLayout(pm: PixelModule, photometric = pm.PhotometricInterpretation): PixelModule {
  return {
    ...pm,
    PhotometricInterpretation: photometric === 'YBR_FULL_422' ? 'YBR_FULL' : photometric,
    PlanarConfiguration: 0,
  };
}

function decodeNative(file: DicomFile, pm: PixelModule): DecodedImage {
  const bytes = concatBytes(pixelDataChunks(file.dataset.PixelData));
  const expected = expectedPixelBytes(pm);
  const frameBytes = Math.ceil(bitsPerFrame(pm) / 8);
  if (bytes.byteLength < expected) {
    throw lengthError(
      file.transferSyntaxUid,
      `Pixel Data has ${bytes.byteLength} bytes, expected ${expected} for ${pm.Rows}×${pm.Columns}×${pm.SamplesPerPixel} samples × ${pm.NumberOfFrames} frame(s) at ${pm.BitsAllocated} bits`,
    );
  }
  const excess = bytes.byteLength - expected;
  if (excess > 1 && excess >= frameBytes) {
    throw lengthError(
      file.transferSyntaxUid,
      `Pixel Data has ${bytes.byteLength} bytes, ${excess} more than the ${expected} of ${pm.NumberOfFrames} frame(s): Number of Frames is probably wrong`,
    );
  }
  if (file.transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian) {
    // dcmjs leaves OW values in file byte order (PS3.5 Annex A.3: OW is swapped as 16-bit words).
    const vrMap = file.dataset._vrMap as Record<string, string> | undefined;
    if (pm.BitsAllocated === 16 || (pm.BitsAllocated === 8 && vrMap?.PixelData === 'OW')) swapBytes(bytes, 2);
    else if (pm.BitsAllocated === 32) swapBytes(bytes, 4);
  }
  const bits = bitsPerFrame(pm);
  const frames: PixelArray[] = [];
  for (let f = 0; f < pm.NumberOfFrames; f++) frames.push(finishFrame(bytes, f * frameBytes, f * bits, pm));
  return {
    pixelModule: decodedLayout(pm),
    sourcePixelModule: pm,
    frames,
    transferSyntaxUid: file.transferSyntaxUid,
    ignoredTrailingBytes: excess,
  };
}

async function decodeEncapsulated(file: DicomFile, pm: PixelModule): Promise<DecodedImage> {
  const ts = file.transferSyntaxUid;
  const fragments = groupFragments(pixelDataChunks(file.dataset.PixelData), pm.NumberOfFrames, ts);
  const frames: PixelArray[] = [];
  let layout = decodedLayout(pm);
  for (let f = 0; f < fragments.length; f++) {
    let bytes: Uint8Array;
    let framePm: PixelModule;
    if (ts === TransferSyntax.RleLossless) {
      bytes = decodeRleFrame(fragments[f], pm);
      // RLE segments are per sample, so the decoded frame is colour-by-pixel whatever the header says.
      framePm = { ...pm, PlanarConfiguration: 0 };
    } else {
      const decoded = await decodeCodecFrame(fragments[f], pm, codecSyntax(ts)).catch((err: unknown) => {
        if (err instanceof PixelDecodeError && fragments.length > 1) {
          throw new PixelDecodeError(`frame ${f + 1}: ${err.message}`, { transferSyntaxUid: ts, frame: f + 1, cause: err });
        }
        throw err;
      });
      bytes = decoded.bytes;
      framePm = { ...pm, PhotometricInterpretation: decoded.photometricInterpretation, PlanarConfiguration: 0 };
      if (framePm.PhotometricInterpretation === 'YBR_FULL_422') framePm.PhotometricInterpretation = 'YBR_FULL';
    }
    const need = Math.ceil(bitsPerFrame(framePm) / 8);
    if (bytes.byteLength < need) {
      throw new PixelDecodeError(`${transferSyntaxName(ts)}: frame ${f + 1} decodes to ${bytes.byteLength} bytes, expected ${need}`, {
        transferSyntaxUid: ts,
        frame: f + 1,
        code: 'PACS_E_PIXEL_LENGTH',
      });
    }
    frames.push(finishFrame(bytes, 0, 0, framePm));
    layout = decodedLayout(framePm);
  }
  return { pixelModule: layout, sourcePixelModule: pm, frames, transferSyntaxUid: ts, ignoredTrailingBytes: 0 };
}

/**
 * The syntax to hand the codec. dcmjs-codecs refuses the UIDs of JPEG Extended (.51) and JPEG
 * Lossless process 14 (.57), but its libjpeg decodes SOF1 (8 and 12 bit) like Baseline and SOF3
 * with any predictor like SV1 (the decode matrix checks both against DCMTK).
 */
function codecSyntax(ts: string): string {
  if (ts === TransferSyntax.JpegExtended) return TransferSyntax.JpegBaseline;
  if (ts === TransferSyntax.JpegLossless) return TransferSyntax.JpegLosslessSv1;
  return ts;
}

/**
 * Decodes every frame of a Part-10 object into stored pixel values. Native syntaxes (implicit
 * and explicit little endian, explicit big endian, deflate — inflated by dcmjs on read) are read
 * directly; RLE is decoded here; JPEG, JPEG-LS, JPEG 2000 and HTJ2K go through dcmjs-codecs.
 *
 * Every failure is a PixelDecodeError (a ConformanceError, DIMSE 0xA900) whose code says why:
 * PACS_E_PIXEL_MODULE_* / PACS_E_PHOTOMETRIC_UNSUPPORTED (header), PACS_E_NO_PIXEL_DATA,
 * PACS_E_PIXEL_DECODE (codec message), PACS_E_PIXEL_LENGTH (native data of the wrong length, a
 * frame that decodes to too few bytes, fragments that do not form the frames) or
 * PACS_E_TRANSFER_SYNTAX_UNSUPPORTED (video and other stored-only syntaxes).
 */
export async function decodeFrames(file: DicomFile): Promise<DecodedImage> {
  const ts = file.transferSyntaxUid;
  if (!canDecodePixels(ts)) {
    throw new PixelDecodeError(`${storedNotProcessed(ts)}: this node does not decode it`, {
      transferSyntaxUid: ts,
      code: 'PACS_E_TRANSFER_SYNTAX_UNSUPPORTED',
    });
  }
  let pm: PixelModule;
  try {
    pm = readPixelModule(file.dataset);
  } catch (err) {
    // e.g. Bits Allocated 12 or 3 samples per pixel labelled MONOCHROME2: the same code, as a decode error.
    if (err instanceof ConformanceError) throw new PixelDecodeError(err.message, { transferSyntaxUid: ts, code: err.code, cause: err });
    throw err;
  }
  const value = file.dataset.PixelData;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    const other = file.dataset.FloatPixelData !== undefined || file.dataset.DoubleFloatPixelData !== undefined;
    throw new PixelDecodeError(other ? 'float pixel data is not supported' : 'the data set has no Pixel Data', {
      transferSyntaxUid: ts,
      code: 'PACS_E_NO_PIXEL_DATA',
    });
  }
  return isNativeTransferSyntax(ts) ? decodeNative(file, pm) : decodeEncapsulated(file, pm);
}
