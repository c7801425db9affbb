import { ConformanceError } from '../shared/errors.js';
import type { Dataset } from './part10.js';
import { DimseStatus } from './status.js';

/** The Image Pixel module attributes that describe how Pixel Data is laid out (PS3.3 C.7.6.3). */
export interface PixelModule {
  Rows: number;
  Columns: number;
  SamplesPerPixel: number;
  BitsAllocated: number;
  BitsStored: number;
  HighBit: number;
  /** 0 = unsigned, 1 = two's complement. */
  PixelRepresentation: 0 | 1;
  PhotometricInterpretation: string;
  /** 0 = colour-by-pixel (R1G1B1R2…), 1 = colour-by-plane (R…G…B…). Always 0 for one sample. */
  PlanarConfiguration: 0 | 1;
  NumberOfFrames: number;
}

/** Photometric interpretations this node reads (PS3.3 C.7.6.3.1.2). */
export const SUPPORTED_PHOTOMETRIC = [
  'MONOCHROME1',
  'MONOCHROME2',
  'PALETTE COLOR',
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_ICT',
  'YBR_RCT',
] as const;

function mismatch(code: string, message: string): ConformanceError {
  return new ConformanceError(code, message, { dimseStatus: DimseStatus.DataSetDoesNotMatchSopClass });
}

/** First value of a possibly multi-valued naturalized attribute, as a number. */
export function numberValue(ds: Dataset, keyword: string): number | undefined {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string' && v.trim() !== '') v = Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function stringValue(ds: Dataset, keyword: string): string | undefined {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v.trim() : undefined;
}

function required(ds: Dataset, keyword: string): number {
  const v = numberValue(ds, keyword);
  if (v === undefined) throw mismatch('PACS_E_PIXEL_MODULE_MISSING', `required attribute ${keyword} is missing or empty`);
  if (!Number.isInteger(v)) throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `${keyword} must be an integer, got ${v}`);
  return v;
}

/**
 * Reads and validates the Image Pixel module. Throws ConformanceError (DIMSE 0xA900, "data set
 * does not match SOP class") when a Type 1 attribute is missing or the combination is impossible.
 */
export function readPixelModule(ds: Dataset): PixelModule {
  const Rows = required(ds, 'Rows');
  const Columns = required(ds, 'Columns');
  const SamplesPerPixel = required(ds, 'SamplesPerPixel');
  const BitsAllocated = required(ds, 'BitsAllocated');
  const BitsStored = required(ds, 'BitsStored');
  const HighBit = numberValue(ds, 'HighBit') ?? BitsStored - 1;
  const pixelRepresentation = required(ds, 'PixelRepresentation');
  const PhotometricInterpretation = stringValue(ds, 'PhotometricInterpretation');
  if (!PhotometricInterpretation) {
    throw mismatch('PACS_E_PIXEL_MODULE_MISSING', 'required attribute PhotometricInterpretation is missing or empty');
  }
  const frames = numberValue(ds, 'NumberOfFrames') ?? 1;

  if (Rows < 1 || Columns < 1) throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `invalid image size ${Rows}×${Columns}`);
  if (![1, 3].includes(SamplesPerPixel)) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Samples per Pixel ${SamplesPerPixel} is not supported (1 or 3)`);
  }
  if (![1, 8, 16, 32].includes(BitsAllocated)) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Bits Allocated ${BitsAllocated} is not supported (1, 8, 16, 32)`);
  }
  if (BitsStored < 1 || BitsStored > BitsAllocated) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Bits Stored ${BitsStored} does not fit Bits Allocated ${BitsAllocated}`);
  }
  if (HighBit < BitsStored - 1 || HighBit > BitsAllocated - 1) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `High Bit ${HighBit} is inconsistent with Bits Stored ${BitsStored}`);
  }
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Pixel Representation ${pixelRepresentation} must be 0 or 1`);
  }
  if (!Number.isInteger(frames) || frames < 1) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Number of Frames ${frames} must be a positive integer`);
  }
  if (!(SUPPORTED_PHOTOMETRIC as readonly string[]).includes(PhotometricInterpretation)) {
    throw mismatch('PACS_E_PHOTOMETRIC_UNSUPPORTED', `Photometric Interpretation ${PhotometricInterpretation} is not supported`);
  }
  const monochrome = PhotometricInterpretation.startsWith('MONOCHROME') || PhotometricInterpretation === 'PALETTE COLOR';
  if (monochrome !== (SamplesPerPixel === 1)) {
    throw mismatch(
      'PACS_E_PIXEL_MODULE_INVALID',
      `Photometric Interpretation ${PhotometricInterpretation} needs ${monochrome ? 1 : 3} samples per pixel, not ${SamplesPerPixel}`,
    );
  }
  const planar = SamplesPerPixel === 3 ? (numberValue(ds, 'PlanarConfiguration') ?? 0) : 0;
  if (planar !== 0 && planar !== 1) {
    throw mismatch('PACS_E_PIXEL_MODULE_INVALID', `Planar Configuration ${planar} must be 0 or 1`);
  }
  return {
    Rows,
    Columns,
    SamplesPerPixel,
    BitsAllocated,
    BitsStored,
    HighBit,
    PixelRepresentation: pixelRepresentation,
    PhotometricInterpretation,
    PlanarConfiguration: planar,
    NumberOfFrames: frames,
  };
}

/** Number of stored samples in one uncompressed frame (YBR_FULL_422 keeps 2 samples per pixel, PS3.3 C.7.6.3.1.2). */
export function samplesPerFrame(pm: PixelModule): number {
  const perPixel = pm.PhotometricInterpretation === 'YBR_FULL_422' ? 2 : pm.SamplesPerPixel;
  return pm.Rows * pm.Columns * perPixel;
}

/** Bits of one uncompressed frame. 1-bit frames are packed and may start mid-byte (PS3.5 8.1.1). */
export function bitsPerFrame(pm: PixelModule): number {
  return samplesPerFrame(pm) * pm.BitsAllocated;
}

/** Bytes of uncompressed Pixel Data for all frames, without the trailing pad to even length. */
export function expectedPixelBytes(pm: PixelModule): number {
  return Math.ceil((bitsPerFrame(pm) * pm.NumberOfFrames) / 8);
}
