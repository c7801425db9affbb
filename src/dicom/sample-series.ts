/**
 * What every generated sample series shares: deterministic UIDs, synthetic patient identity and
 * the patient / general study / general series / general equipment / SOP common modules, plus
 * the image plane of an axial stack. The pixel generators add their own modules.
 */
import { decimalString } from './decimal-string.js';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from './implementation.js';
import type { Dataset } from './part10.js';
import { hashUid } from './phantom.js';

/** Who and what a sample series is; synthetic names only (`Demo^CT`, `DEMO-…`). */
export interface SampleIdentity {
  /** Short name that seeds the UIDs, e.g. `ct-lowdose-abdomen`. */
  key: string;
  seed: number;
  patientName: string;
  /** Must start with `DEMO-`: nobody mistakes a sample for a real patient. */
  patientId: string;
  patientSex: 'M' | 'F' | 'O';
  modality: string;
  sopClassUid: string;
  studyDescription: string;
  seriesDescription: string;
  seriesNumber: number;
  /** DA and TM of study, series and content. */
  date: string;
  time: string;
  model: string;
  bodyPart: string;
}

export interface SampleUids {
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  FrameOfReferenceUID: string;
}

/** UIDs under 2.25 derived from the identity's key and seed: same inputs ⇒ same UIDs. */
export function sampleUids(id: Pick<SampleIdentity, 'key' | 'seed'>): SampleUids {
  return {
    StudyInstanceUID: hashUid('unimie-sample', id.key, id.seed, 'study'),
    SeriesInstanceUID: hashUid('unimie-sample', id.key, id.seed, 'series'),
    FrameOfReferenceUID: hashUid('unimie-sample', id.key, id.seed, 'frame-of-reference'),
  };
}

/**
 * Patient (C.7.1.1), General Study (C.7.2.1), General Series (C.7.3.1), General Equipment
 * (C.7.5.1), General Image (C.7.6.1) and SOP Common (C.12.1) attributes of instance `index`.
 */
export function sampleCommonAttributes(id: SampleIdentity, uids: SampleUids, index: number): Dataset {
  if (!id.patientId.startsWith('DEMO-')) throw new RangeError(`sample PatientID must start with DEMO-, got ${id.patientId}`);
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    SOPClassUID: id.sopClassUid,
    SOPInstanceUID: hashUid(uids.SeriesInstanceUID, 'instance', index),
    StudyDate: id.date,
    SeriesDate: id.date,
    ContentDate: id.date,
    StudyTime: id.time,
    SeriesTime: id.time,
    ContentTime: id.time,
    AccessionNumber: `DEMO${id.seed}`,
    Modality: id.modality,
    Manufacturer: SOFTWARE_NAME,
    ManufacturerModelName: id.model,
    SoftwareVersions: SOFTWARE_VERSION,
    ReferringPhysicianName: '',
    StudyDescription: id.studyDescription,
    SeriesDescription: id.seriesDescription,
    PatientName: id.patientName,
    PatientID: id.patientId,
    PatientBirthDate: '',
    PatientSex: id.patientSex,
    BodyPartExamined: id.bodyPart,
    StudyInstanceUID: uids.StudyInstanceUID,
    SeriesInstanceUID: uids.SeriesInstanceUID,
    StudyID: '1',
    SeriesNumber: id.seriesNumber,
    InstanceNumber: index + 1,
  };
}

/** An axial stack: head-first supine, slice i at z = firstZ − i × spacing (feet-ward). */
export interface AxialStack {
  rows: number;
  columns: number;
  /** Square in-plane pixel size, mm. */
  pixelMm: number;
  thicknessMm: number;
  spacingMm: number;
  /** z of the first slice, mm (patient LPS). */
  firstZ: number;
}

/** Throws RangeError unless `size` (rows = columns) is a whole number in min…max and `slices` a positive whole number. */
export function checkStackSize(size: number, slices: number, min: number, max: number): void {
  if (!Number.isInteger(size) || size < min || size > max) throw new RangeError(`size ${size} outside ${min}…${max}`);
  if (!Number.isInteger(slices) || slices < 1) throw new RangeError(`slices must be a positive integer, got ${slices}`);
}

/** Patient coordinates (x, y) in mm of pixel (column, row) centres: the stack is centred on 0. */
export function pixelCentreMm(stack: AxialStack, column: number, row: number): { x: number; y: number } {
  return { x: (column + 0.5 - stack.columns / 2) * stack.pixelMm, y: (row + 0.5 - stack.rows / 2) * stack.pixelMm };
}

/** z (mm) of slice `index`. */
export function sliceZ(stack: AxialStack, index: number): number {
  return stack.firstZ - index * stack.spacingMm;
}

/** Frame of Reference (C.7.4.1) and Image Plane (C.7.6.2) attributes of slice `index`. */
export function axialPlaneAttributes(stack: AxialStack, uids: SampleUids, index: number): Dataset {
  const first = pixelCentreMm(stack, 0, 0);
  const z = sliceZ(stack, index);
  return {
    FrameOfReferenceUID: uids.FrameOfReferenceUID,
    PositionReferenceIndicator: '',
    PatientPosition: 'HFS',
    ImagePositionPatient: [decimalString(first.x), decimalString(first.y), decimalString(z)],
    ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
    PixelSpacing: [decimalString(stack.pixelMm), decimalString(stack.pixelMm)],
    SliceThickness: decimalString(stack.thicknessMm),
    SliceLocation: decimalString(z),
  };
}
