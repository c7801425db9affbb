import type { Dataset } from '../dicom/part10.js';
import { firstValue, GEOMETRY, pickAttributes } from './source-modules.js';

/**
 * Geometry of one source image or frame, as single-frame attributes: Image Plane (PS3.3 C.7.6.2)
 * and Frame of Reference (C.7.4.1). For a multi-frame source the plane attributes come from the
 * Pixel Measures / Plane Position / Plane Orientation functional groups of that frame
 * (C.7.6.16.2), per-frame first, then shared.
 */
export function geometryFor(source: Dataset, frameIndex: number | undefined): Dataset {
  const out = pickAttributes(source, GEOMETRY);
  // A Frame of Reference UID that repeats another entity's UID (seen in real data: FoR = Study
  // Instance UID) is invalid (PS3.3 C.7.4.1.1.1); copying it would make our object invalid too, and
  // it cannot identify a frame of reference, so it is left out.
  const forUid = out.FrameOfReferenceUID;
  if (forUid !== undefined && [source.StudyInstanceUID, source.SeriesInstanceUID, source.SOPInstanceUID].includes(forUid)) {
    delete out.FrameOfReferenceUID;
    delete out.PositionReferenceIndicator;
  }
  if (frameIndex === undefined) return out;
  const perFrame = itemAt(source.PerFrameFunctionalGroupsSequence, frameIndex);
  const shared = itemAt(source.SharedFunctionalGroupsSequence, 0);
  const macro = (name: string): Dataset | undefined => itemAt(perFrame?.[name], 0) ?? itemAt(shared?.[name], 0);
  const measures = macro('PixelMeasuresSequence');
  const position = macro('PlanePositionSequence');
  const orientation = macro('PlaneOrientationSequence');
  if (measures) Object.assign(out, pickAttributes(measures, ['PixelSpacing', 'SliceThickness']));
  if (position) Object.assign(out, pickAttributes(position, ['ImagePositionPatient']));
  if (orientation) Object.assign(out, pickAttributes(orientation, ['ImageOrientationPatient']));
  return out;
}

function itemAt(seq: unknown, index: number): Dataset | undefined {
  if (!Array.isArray(seq)) return undefined;
  const item: unknown = seq[index];
  return typeof item === 'object' && item !== null ? (item as Dataset) : undefined;
}

/**
 * Patient Orientation (0020,0020) from Image Orientation (Patient): the letters of each direction
 * cosine's patient axes, largest component first (PS3.3 C.7.6.1.1.1), e.g. axial → ["L","P"].
 * Returns undefined when the orientation is missing or malformed.
 */
export function patientOrientationFromIop(iop: unknown): string[] | undefined {
  if (!Array.isArray(iop) || iop.length !== 6) return undefined;
  const v = iop.map((x) => (typeof x === 'string' ? Number(x) : x));
  if (!v.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) return undefined;
  return [directionLetters(v.slice(0, 3)), directionLetters(v.slice(3, 6))];
}

function directionLetters([x, y, z]: number[]): string {
  const axes: [number, string][] = [
    [x, x > 0 ? 'L' : 'R'],
    [y, y > 0 ? 'P' : 'A'],
    [z, z > 0 ? 'H' : 'F'],
  ];
  return axes
    .filter(([c]) => Math.abs(c) > 1e-4)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .map(([, letter]) => letter)
    .join('');
}

/** Source Patient Orientation if it has one, else computed from the orientation, else empty. */
export function patientOrientationFor(source: Dataset, geometry: Dataset): string[] | '' {
  const own = source.PatientOrientation;
  if (Array.isArray(own) && own.length === 2 && own.every((s) => typeof s === 'string' && s.length > 0)) {
    return own as string[];
  }
  if (typeof own === 'string' && own.includes('\\')) return own.split('\\');
  return patientOrientationFromIop(geometry.ImageOrientationPatient) ?? '';
}

/** Number of Frames of the source (1 when absent). */
export function frameCount(source: Dataset): number {
  const n = Number(firstValue(source.NumberOfFrames) ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}
