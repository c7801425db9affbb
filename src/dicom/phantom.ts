import { CT_IMAGE_STORAGE } from './image-sop-classes.js';
import { createHash } from 'node:crypto';
import { decimalString } from './decimal-string.js';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from './implementation.js';
import type { Dataset } from './part10.js';
import { phantomSlice } from './phantom-anatomy.js';

/** Stored value = HU − RescaleIntercept (PS3.3 C.11.1.1.2). */
const RESCALE_INTERCEPT = -1024;
/** Stored value written outside the reconstruction circle when padding is on. */
export const PHANTOM_PADDING_VALUE = -2000;

export interface PhantomOptions {
  slices: number;
  rows: number;
  columns: number;
  /** In-plane pixel size in mm (default: a 400 mm field of view). */
  pixelSpacing?: number;
  /** Slice thickness = spacing between slices, mm (default 1.25). */
  sliceThickness?: number;
  /** Mark air outside the circular field of view as Pixel Padding Value −2000. */
  padding?: boolean;
  /** Noise standard deviation in HU (default 8). */
  noise?: number;
  /** UIDs and noise derive from it: same options ⇒ same objects. */
  seed?: number;
  /** DICOM DA for Study/Series/Content Date (default 20240101). */
  date?: string;
}

/** UID under the UUID-derived 2.25 root (PS3.5 B.2) from a hash: deterministic and collision-free enough. */
export function hashUid(...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** The series-level identity shared by every slice. */
export interface PhantomSeries {
  options: Required<PhantomOptions>;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  FrameOfReferenceUID: string;
}

function withDefaults(o: PhantomOptions): Required<PhantomOptions> {
  for (const [k, v] of [['slices', o.slices], ['rows', o.rows], ['columns', o.columns]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  if (o.rows > 65535 || o.columns > 65535) throw new RangeError('rows and columns must fit in US (≤ 65535)');
  return {
    slices: o.slices,
    rows: o.rows,
    columns: o.columns,
    pixelSpacing: o.pixelSpacing ?? 400 / Math.max(o.rows, o.columns),
    sliceThickness: o.sliceThickness ?? 1.25,
    padding: o.padding ?? false,
    noise: o.noise ?? 8,
    seed: o.seed ?? 1,
    date: o.date ?? '20240101',
  };
}

/** Fixes the UIDs of a phantom series from its options. */
export function createPhantomSeries(options: PhantomOptions): PhantomSeries {
  const o = withDefaults(options);
  const key = ['unimie-phantom', o.seed, o.slices, o.rows, o.columns, o.pixelSpacing, o.sliceThickness, o.padding ? 1 : 0];
  return {
    options: o,
    StudyInstanceUID: hashUid(...key, 'study'),
    SeriesInstanceUID: hashUid(...key, 'series'),
    FrameOfReferenceUID: hashUid(...key, 'frame-of-reference'),
  };
}

/** Stored 16-bit signed values of one slice. */
export function phantomPixels(series: PhantomSeries, index: number): Int16Array {
  const o = series.options;
  const hu = phantomSlice({
    rows: o.rows,
    columns: o.columns,
    t: o.slices === 1 ? 0.3 : index / (o.slices - 1),
    noise: o.noise,
    seed: (o.seed * 100003 + index) >>> 0,
    outsideFovHu: o.padding ? PHANTOM_PADDING_VALUE + RESCALE_INTERCEPT : undefined,
  });
  const out = new Int16Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = Math.round(hu[i] - RESCALE_INTERCEPT);
  return out;
}

/**
 * One slice as a naturalized CT Image Storage data set (PS3.3 A.3): patient, study, series,
 * frame of reference, equipment, image plane (axial, head first supine, slice i at
 * z = −i × thickness), image pixel, CT image, VOI LUT and SOP common modules.
 */
export function phantomSliceDataset(series: PhantomSeries, index: number): Dataset {
  const o = series.options;
  if (!Number.isInteger(index) || index < 0 || index >= o.slices) throw new RangeError(`slice ${index} outside 0..${o.slices - 1}`);
  const s = o.pixelSpacing;
  const z = -index * o.sliceThickness;
  const pixels = phantomPixels(series, index);
  const dataset: Dataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: hashUid(series.SeriesInstanceUID, 'instance', index),
    StudyDate: o.date,
    SeriesDate: o.date,
    ContentDate: o.date,
    StudyTime: '080000',
    SeriesTime: '080000',
    ContentTime: '080000',
    AccessionNumber: '',
    Modality: 'CT',
    Manufacturer: SOFTWARE_NAME,
    ManufacturerModelName: 'synthetic CT phantom',
    SoftwareVersions: SOFTWARE_VERSION,
    ReferringPhysicianName: '',
    StudyDescription: 'Synthetic CT phantom',
    SeriesDescription: `Phantom ${o.rows}x${o.columns}x${o.slices}`,
    PatientName: 'Phantom^Synthetic',
    PatientID: `PHANTOM-${o.seed}`,
    PatientBirthDate: '',
    PatientSex: 'O',
    BodyPartExamined: 'CHEST',
    SliceThickness: decimalString(o.sliceThickness),
    KVP: '120',
    PatientPosition: 'HFS',
    StudyInstanceUID: series.StudyInstanceUID,
    SeriesInstanceUID: series.SeriesInstanceUID,
    StudyID: '1',
    SeriesNumber: 1,
    AcquisitionNumber: 1,
    InstanceNumber: index + 1,
    ImagePositionPatient: [decimalString(-(o.columns / 2) * s + s / 2), decimalString(-(o.rows / 2) * s + s / 2), decimalString(z)],
    ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
    FrameOfReferenceUID: series.FrameOfReferenceUID,
    PositionReferenceIndicator: '',
    SliceLocation: decimalString(z),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: o.rows,
    Columns: o.columns,
    PixelSpacing: [decimalString(s), decimalString(s)],
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    WindowCenter: '40',
    WindowWidth: '400',
    RescaleIntercept: String(RESCALE_INTERCEPT),
    RescaleSlope: '1',
    RescaleType: 'HU',
    WindowCenterWidthExplanation: 'SOFT TISSUE',
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OW' } as Record<string, string>,
  };
  if (o.padding) {
    dataset.PixelPaddingValue = PHANTOM_PADDING_VALUE;
    (dataset._vrMap as Record<string, string>).PixelPaddingValue = 'SS';
  }
  return dataset;
}
