import { readPart10, type Dataset } from '../dicom/part10.js';
import { DimseStatus } from '../dicom/status.js';
import { isNativeTransferSyntax } from '../dicom/transfer-syntax.js';
import { errorMessage, isNodeError } from '../shared/errors.js';
import { scanStructure, type PixelDataElement, type StructureLimits } from './structure-check.js';

/** Why an object is refused: a stable code, a message for the log and the table, the DIMSE status. */
export interface InspectionFailure {
  code: string;
  message: string;
  dimseStatus: number;
  /** SOP Instance UID, when it could be read (for the quarantine row). */
  sopInstanceUid?: string;
}

/** What the receive path needs to know about an acceptable object. */
export interface InstanceFacts {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  studyUid: string;
  transferSyntaxUid: string;
  modality: string | null;
  seriesDescription: string | null;
  instanceNumber: number | null;
  /** Source Application Entity Title from the file meta (who wrote the file), if any. */
  sourceAeTitle: string | null;
  /** The data set without its pixel data. */
  header: Dataset;
}

export type Inspection = { ok: true; facts: InstanceFacts } | { ok: false; failure: InspectionFailure };

export interface InspectionExpectations {
  /** Affected SOP Instance / Class UID of the C-STORE; the data set must carry the same. */
  sopInstanceUid?: string;
  sopClassUid?: string;
  /** Nesting depth and inflated size allowed before the parser runs (see structure-check.ts). */
  structure?: StructureLimits;
}

const PIXEL_KEYWORDS = ['PixelData', 'FloatPixelData', 'DoubleFloatPixelData'];
const MAX_UID_LENGTH = 64;

/**
 * PS3.5 §9.1 UID syntax (digits and dots, at most 64 characters, no empty component). Leading
 * zeros in a component are tolerated: older devices emit them and refusing clinical data over
 * it helps nobody; the value is still safe as a path segment.
 */
export function isAcceptableUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= MAX_UID_LENGTH && /^[0-9]+(\.[0-9]+)*$/.test(uid);
}

function text(ds: Dataset, keyword: string): string | undefined {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string') return undefined;
  // UI values are padded with NUL, other strings with spaces (PS3.5 6.2).
  const t = v.replace(/[\0\s]+$/, '').replace(/^\s+/, '');
  return t === '' ? undefined : t;
}

function integer(ds: Dataset, keyword: string): number | undefined {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string' && v.trim() !== '') v = Number(v);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function fail(code: string, message: string, dimseStatus: number, sopInstanceUid?: string): Inspection {
  return { ok: false, failure: { code, message, dimseStatus, sopInstanceUid } };
}

function pixelBytes(value: unknown): number | undefined {
  // A C-STORE data set is inspected where it was collected, on shared memory: dcmjs then hands
  // out SharedArrayBuffer slices, which are not `instanceof ArrayBuffer`.
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (Array.isArray(value)) {
    let total = 0;
    for (const part of value) {
      const n = pixelBytes(part);
      if (n === undefined) return undefined;
      total += n;
    }
    return total;
  }
  return undefined;
}

/**
 * Expected length of native Pixel Data (PS3.5 8.1.1): Rows × Columns × Samples × Bits Allocated / 8
 * × Frames, bit-packed when Bits Allocated is 1; YBR_FULL_422 stores 2 samples per pixel
 * (PS3.3 C.7.6.3.1.2). Undefined when the Image Pixel attributes needed are missing.
 */
export function expectedNativePixelBytes(ds: Dataset): number | undefined {
  const rows = integer(ds, 'Rows');
  const columns = integer(ds, 'Columns');
  const samples = integer(ds, 'SamplesPerPixel');
  const bits = integer(ds, 'BitsAllocated');
  if (rows === undefined || columns === undefined || samples === undefined || bits === undefined) return undefined;
  const framesRaw = ds.NumberOfFrames;
  const frames = framesRaw === undefined ? 1 : integer(ds, 'NumberOfFrames');
  if (frames === undefined || frames < 1 || rows < 1 || columns < 1 || samples < 1 || bits < 1) return undefined;
  const perPixel = text(ds, 'PhotometricInterpretation') === 'YBR_FULL_422' ? 2 : samples;
  return Math.ceil((rows * columns * perPixel * bits * frames) / 8);
}

function checkNativePixels(ds: Dataset, actual: number | undefined, sop: string): Inspection | undefined {
  const expected = expectedNativePixelBytes(ds);
  if (expected === undefined) {
    return fail(
      'PACS_E_PIXEL_MODULE',
      'Pixel Data is present but Rows, Columns, Samples per Pixel, Bits Allocated or Number of Frames is missing or invalid',
      DimseStatus.DataSetDoesNotMatchSopClass,
      sop,
    );
  }
  // One trailing pad byte makes an odd length even (PS3.5 8.1.1).
  const padded = expected + (expected % 2);
  if (actual === undefined || (actual !== expected && actual !== padded)) {
    return fail(
      'PACS_E_PIXEL_LENGTH',
      `Pixel Data has ${actual ?? 'an unreadable number of'} bytes, Rows×Columns×Samples×Bits Allocated/8×Frames needs ${expected}`,
      DimseStatus.DataSetDoesNotMatchSopClass,
      sop,
    );
  }
  return undefined;
}

/**
 * How much of the object dcmjs has to parse. The structure walk already knows where the top-level
 * Pixel Data is and how long it is; when it is complete and nothing follows it, the header before
 * it is all that needs parsing (and copying). Native objects the walk cannot vouch for (pixel data
 * cut short, elements after it, Deflated, or a walk that stopped early) are parsed whole, so their
 * pixel length is still checked and everything accepted stays parseable.
 */
function parsePlan(bytes: Uint8Array, native: boolean, pixel: PixelDataElement | undefined, inflated: boolean): { input: Uint8Array; whole: boolean; pixelBytes?: number } {
  const located = pixel !== undefined && !inflated;
  if (!native) return { input: located ? bytes.subarray(0, pixel.offset) : bytes, whole: false };
  if (located && pixel.last && pixel.declaredLength === pixel.presentLength) {
    return { input: bytes.subarray(0, pixel.offset), whole: false, pixelBytes: pixel.declaredLength };
  }
  return { input: bytes, whole: true };
}

/**
 * Parses a received Part-10 object and checks what the receive path relies on: it is readable
 * DICOM (else 0xC000), it carries valid SOP Instance, Series and Study UIDs that agree with the
 * C-STORE request, and native Pixel Data has the length its Image Pixel module promises (else
 * 0xA900, PS3.4 B.2.3). One walk over the element headers (structure-check.ts) and one dcmjs
 * parse, of the header only where the walk located complete Pixel Data; compressed pixel data is
 * never parsed. Never throws.
 */
export function inspectInstance(bytes: Uint8Array, expect: InspectionExpectations = {}): Inspection {
  const scan = scanStructure(bytes, expect.structure);
  if (scan.problem) return fail(scan.problem.code, scan.problem.message, DimseStatus.CannotUnderstand);
  const native = isNativeTransferSyntax(scan.transferSyntaxUid);
  const plan = parsePlan(bytes, native, scan.pixelData, scan.inflated);
  let header;
  try {
    header = readPart10(plan.input, { untilPixelData: !plan.whole });
  } catch (err) {
    const code = isNodeError(err) ? err.code : 'PACS_E_NOT_DICOM';
    return fail(code, errorMessage(err), DimseStatus.CannotUnderstand);
  }
  const ts = header.transferSyntaxUid.replace(/[\0\s]+$/, '');
  let ds = header.dataset;
  const sop = text(ds, 'SOPInstanceUID');
  const sopClass = text(ds, 'SOPClassUID');
  const series = text(ds, 'SeriesInstanceUID');
  const study = text(ds, 'StudyInstanceUID');
  const mismatch = DimseStatus.DataSetDoesNotMatchSopClass;

  const missing = (
    [
      ['SOPInstanceUID', sop],
      ['SOPClassUID', sopClass],
      ['SeriesInstanceUID', series],
      ['StudyInstanceUID', study],
    ] as const
  ).filter(([, v]) => v === undefined);
  if (missing.length > 0 || !sop || !sopClass || !series || !study) {
    return fail('PACS_E_MISSING_UID', `required UID missing: ${missing.map(([k]) => k).join(', ')}`, mismatch, sop);
  }
  for (const [keyword, uid] of [
    ['SOPInstanceUID', sop],
    ['SOPClassUID', sopClass],
    ['SeriesInstanceUID', series],
    ['StudyInstanceUID', study],
  ] as const) {
    if (!isAcceptableUid(uid)) {
      return fail('PACS_E_INVALID_UID', `${keyword} is not a valid UID: ${JSON.stringify(uid.slice(0, 80))}`, mismatch);
    }
  }
  const expectedSop = expect.sopInstanceUid?.replace(/[\0\s]+$/, '') || text(header.meta, 'MediaStorageSOPInstanceUID');
  if (expectedSop !== undefined && expectedSop !== sop) {
    return fail(
      'PACS_E_SOP_INSTANCE_MISMATCH',
      `data set SOP Instance UID ${sop} differs from the affected SOP Instance UID ${expectedSop}`,
      mismatch,
      sop,
    );
  }
  const expectedClass = expect.sopClassUid?.replace(/[\0\s]+$/, '') || text(header.meta, 'MediaStorageSOPClassUID');
  if (expectedClass !== undefined && expectedClass !== sopClass) {
    return fail(
      'PACS_E_SOP_CLASS_MISMATCH',
      `data set SOP Class UID ${sopClass} differs from the affected SOP Class UID ${expectedClass}`,
      mismatch,
      sop,
    );
  }

  if (isNativeTransferSyntax(ts)) {
    if (!plan.whole && plan.pixelBytes === undefined) {
      // The walk did not read the meta header as dcmjs did: parse the whole object after all.
      try {
        ds = readPart10(bytes).dataset;
      } catch (err) {
        return fail('PACS_E_NOT_DICOM', errorMessage(err), DimseStatus.CannotUnderstand, sop);
      }
    }
    const actual = plan.pixelBytes ?? (ds.PixelData === undefined ? undefined : pixelBytes(ds.PixelData));
    const pixelFailure = ds.PixelData === undefined && plan.pixelBytes === undefined ? undefined : checkNativePixels(ds, actual, sop);
    if (pixelFailure) return pixelFailure;
  }
  if (PIXEL_KEYWORDS.some((k) => ds[k] !== undefined)) {
    ds = { ...ds };
    for (const k of PIXEL_KEYWORDS) delete ds[k];
  }

  return {
    ok: true,
    facts: {
      sopInstanceUid: sop,
      sopClassUid: sopClass,
      seriesUid: series,
      studyUid: study,
      transferSyntaxUid: ts,
      modality: text(ds, 'Modality') ?? null,
      seriesDescription: text(ds, 'SeriesDescription') ?? null,
      instanceNumber: integer(ds, 'InstanceNumber') ?? null,
      sourceAeTitle: text(header.meta, 'SourceApplicationEntityTitle') ?? null,
      header: ds,
    },
  };
}
