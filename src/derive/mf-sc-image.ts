import { decimalString } from '../dicom/decimal-string.js';
import type { Dataset } from '../dicom/part10.js';
import type { RgbImage } from '../render/rgb-image.js';
import { codeItem, type CodedConcept, requiredDerivationCodes } from './codes.js';
import { fitText } from './dicom-text.js';
import {
  baseParamsFromSource,
  type DerivedBaseParams,
  derivedBaseAttributes,
  type DerivedFromSourceOptions,
  processingTime,
  sourceIdentity,
  sourceImageRef,
  validateDerivedBase,
} from './derived-base.js';
import { frameCount, geometryFor, patientOrientationFromIop } from './geometry.js';
import { type SourceImageRef, sourceImageSequence } from './references.js';
import { rgbImagePixelModule } from '../dicom/image-pixel-module.js';
import { secondaryCaptureModules } from './sc-modules.js';
import { ensureCharacterSet, invalid } from './sc-validate.js';
import { SINGLE_FRAME_SOP_CLASSES } from './single-frame-classes.js';
import { dimensionOrganizationUid, stackDimensionModule, stackFrameContent, stackRanks } from './stack-dimension.js';
import { cloneValue, firstValue, stringValue } from './source-modules.js';

/** Multi-frame True Color Secondary Capture Image Storage (PS3.4 B.5, IOD PS3.3 A.8.5). */
export const MF_TRUE_COLOR_SC_STORAGE = '1.2.840.10008.5.1.4.1.1.7.4';

/** (5200,9230) Per-frame Functional Groups Sequence, as Frame Increment Pointer (C.8.6.3 / A.8.5.4). */
const PER_FRAME_FUNCTIONAL_GROUPS_TAG = 0x52009230;
const STACK_ID = '1';

/** Geometry of one frame, as the functional group macros hold it. */
export interface FrameGeometry {
  pixelSpacing?: string[];
  sliceThickness?: string;
  imagePositionPatient?: number[];
  imageOrientationPatient?: number[];
  frameOfReferenceUid?: string;
  positionReferenceIndicator?: string;
}

/** One frame of the object: its pixels, its geometry and the source image (frame) it came from. */
export interface MfScFrame {
  image: RgbImage;
  geometry: FrameGeometry;
  source: SourceImageRef;
  /** Frame-specific Derivation Description, e.g. the window when `auto` differs per slice. */
  derivationDescription?: string;
  /** Frame-specific derivation codes (the classical steps applied to this slice); default: the object's. */
  derivationCodes?: readonly CodedConcept[];
}

export interface MfScParams extends DerivedBaseParams {
  frames: readonly MfScFrame[];
  patientOrientation: string[] | '';
}

/** One rendered or enhanced frame of one source image, as the pipeline hands it over. */
export interface MfScSourceFrame {
  /** Source header (pixel data not needed). */
  source: Dataset;
  /** 0-based frame of the source. */
  frameIndex: number;
  image: RgbImage;
  sourceTransferSyntaxUid?: string;
  derivationDescription?: string;
  derivationCodes?: readonly CodedConcept[];
}

const asNumbers = (v: unknown): number[] | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  const list = (Array.isArray(v) ? v : String(v).split('\\')).map((x) => Number(x));
  return list.every(Number.isFinite) ? list : undefined;
};

/** Plane geometry of one source frame (single-frame attributes or its functional groups). */
export function frameGeometryOf(source: Dataset, frameIndex: number | undefined): FrameGeometry {
  const g = geometryFor(source, frameIndex);
  const spacing = asNumbers(g.PixelSpacing);
  const ipp = asNumbers(g.ImagePositionPatient);
  const iop = asNumbers(g.ImageOrientationPatient);
  const out: FrameGeometry = {};
  if (spacing?.length === 2) out.pixelSpacing = spacing.map(String);
  const thickness = asNumbers(g.SliceThickness);
  if (thickness?.length === 1 && thickness[0]! > 0) out.sliceThickness = String(thickness[0]);
  if (ipp?.length === 3) out.imagePositionPatient = ipp;
  if (iop?.length === 6) out.imageOrientationPatient = iop;
  const forUid = stringValue(g.FrameOfReferenceUID);
  if (forUid) out.frameOfReferenceUid = forUid;
  const pri = stringValue(g.PositionReferenceIndicator);
  if (pri) out.positionReferenceIndicator = pri;
  return out;
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => Number(v) === Number(b[i]));

/**
 * The one builder for Multi-frame True Color Secondary Capture objects (PS3.3 A.8.5, with the
 * A.8.5.4 constraints: RGB, 8 bits, Planar Configuration 0, no VOI LUT). Frames keep the order
 * they are given in (the source order). Geometry goes into the Multi-frame Functional Groups —
 * Pixel Measures, Plane Orientation (shared when equal) and Plane Position (per frame) — with the
 * source's Frame of Reference, so viewers can link and reconstruct; each frame names its source in
 * a Derivation Image functional group and in Frame Content (Stack ID + In-Stack Position, indexed
 * by the Multi-frame Dimension module).
 */
export class MultiFrameScBuilder {
  static create(p: MfScParams): Dataset {
    validateDerivedBase(p);
    if (p.sopClassUid !== MF_TRUE_COLOR_SC_STORAGE) invalid('SOP Class must be Multi-frame True Color SC');
    if (p.frames.length === 0) invalid('a multi-frame object needs at least one frame');
    const { width, height } = p.frames[0]!.image;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
      invalid(`frame size ${width}×${height} outside 1…65535`);
    }
    for (const [i, f] of p.frames.entries()) {
      if (f.image.width !== width || f.image.height !== height) invalid(`frame ${i + 1} is ${f.image.width}×${f.image.height}, frame 1 is ${width}×${height}`);
      if (!(f.image.data instanceof Uint8Array) || f.image.data.length !== width * height * 3) invalid(`frame ${i + 1} is not 8-bit RGB of Rows × Columns × 3 bytes`);
    }

    const frames = p.frames;
    const g0 = frames[0]!.geometry;
    // Geometry only when every frame has it and all share one Frame of Reference: a partial
    // geometry would let a viewer misplace the frames that lack it.
    // Pixel Measures, Plane Position, Plane Orientation and the Frame of Reference go together: the
    // IOD requires the others as soon as one is present (PS3.3 A.8.5.5 as dicom3tools checks it).
    const planes =
      g0.frameOfReferenceUid !== undefined &&
      frames.every(
        (f) =>
          f.geometry.imagePositionPatient &&
          f.geometry.imageOrientationPatient &&
          f.geometry.pixelSpacing &&
          f.geometry.frameOfReferenceUid === g0.frameOfReferenceUid,
      );
    const measures = planes;
    const sharedMeasures =
      measures && frames.every((f) => sameList(f.geometry.pixelSpacing, g0.pixelSpacing) && f.geometry.sliceThickness === g0.sliceThickness);
    const sharedOrientation = planes && frames.every((f) => sameList(f.geometry.imageOrientationPatient, g0.imageOrientationPatient));

    const pixelMeasures = (g: FrameGeometry): Dataset[] => {
      const item: Dataset = { PixelSpacing: [...g.pixelSpacing!] };
      if (g.sliceThickness !== undefined) item.SliceThickness = g.sliceThickness;
      return [item];
    };
    const orientation = (g: FrameGeometry): Dataset[] => [{ ImageOrientationPatient: g.imageOrientationPatient!.map(decimalString) }];

    const shared: Dataset = {};
    if (sharedMeasures) shared.PixelMeasuresSequence = pixelMeasures(g0);
    if (sharedOrientation) shared.PlaneOrientationSequence = orientation(g0);

    // In-Stack Position Number = rank along the slice normal (source order without geometry).
    const ranks = stackRanks(planes ? frames.map((f) => f.geometry) : frames.map(() => ({})));
    const perFrame = frames.map((f, i): Dataset => {
      const item: Dataset = {
        FrameContentSequence: [{ FrameAcquisitionNumber: i + 1, ...stackFrameContent({ stackId: STACK_ID, inStackPosition: ranks[i]! }, [1, ranks[i]!]) }],
      };
      if (measures && !sharedMeasures) item.PixelMeasuresSequence = pixelMeasures(f.geometry);
      if (planes) item.PlanePositionSequence = [{ ImagePositionPatient: f.geometry.imagePositionPatient!.map(decimalString) }];
      if (planes && !sharedOrientation) item.PlaneOrientationSequence = orientation(f.geometry);
      item.DerivationImageSequence = [
        {
          DerivationDescription: fitText(f.derivationDescription ?? p.derivationDescription, 'ST'),
          DerivationCodeSequence: requiredDerivationCodes(f.derivationCodes ?? p.derivationCodes).map(codeItem),
          SourceImageSequence: sourceImageSequence([f.source]),
        },
      ];
      return item;
    });

    const now = processingTime(p);
    const frameBytes = width * height * 3;
    const pixels = new Uint8Array(frameBytes * frames.length + ((frameBytes * frames.length) % 2));
    frames.forEach((f, i) => pixels.set(f.image.data, i * frameBytes));

    const ds0: Dataset = {
      ...derivedBaseAttributes(p),
      ...secondaryCaptureModules('WSD', p.processing, now),
      PatientOrientation: p.patientOrientation,
      // Image Pixel (C.7.6.3) with the A.8.5.4 constraints
      ...rgbImagePixelModule(width, height),
      // Multi-frame (C.7.6.6) + SC Multi-frame Image (C.8.6.3)
      NumberOfFrames: frames.length,
      // Multi-frame Functional Groups (C.7.6.16)
      SharedFunctionalGroupsSequence: [shared],
      PerFrameFunctionalGroupsSequence: perFrame,
      // Multi-frame Dimension (C.7.6.17)
      ...stackDimensionModule(dimensionOrganizationUid(p.sopInstanceUid), planes ? '3D' : undefined),
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OB' },
    };
    // Frame Increment Pointer is 1C: present only when there is more than one frame (C.7.6.6, C.8.6.3).
    if (frames.length > 1) ds0.FrameIncrementPointer = PER_FRAME_FUNCTIONAL_GROUPS_TAG;
    if (planes) {
      // Frame of Reference (C.7.4.1): required when Plane Position/Orientation are present.
      ds0.FrameOfReferenceUID = g0.frameOfReferenceUid;
      ds0.PositionReferenceIndicator = g0.positionReferenceIndicator ?? '';
    }
    ensureCharacterSet(ds0);
    return ds0;
  }

  /**
   * One Multi-frame True Color SC object from the frames of a source series (several single-frame
   * instances, or the frames of multi-frame ones), in the order given. Patient, study and equipment
   * come from the first source; all sources must belong to one study.
   */
  static fromSources(frames: readonly MfScSourceFrame[], options: DerivedFromSourceOptions & { instanceNumber?: number }): Dataset {
    if (frames.length === 0) invalid('a multi-frame object needs at least one frame');
    const first = frames[0]!.source;
    const id = sourceIdentity(first);
    const built: MfScFrame[] = frames.map((f) => {
      const fid = sourceIdentity(f.source);
      if (fid.studyUid !== id.studyUid) invalid('all frames of one derived object must come from one study');
      const n = frameCount(f.source);
      if (!Number.isInteger(f.frameIndex) || f.frameIndex < 0 || f.frameIndex >= n) invalid(`frame index ${f.frameIndex} outside 0…${n - 1}`);
      const multiFrame = n > 1;
      const sameGrid = Number(f.source.Rows) === f.image.height && Number(f.source.Columns) === f.image.width;
      return {
        image: f.image,
        geometry: sameGrid ? frameGeometryOf(f.source, multiFrame ? f.frameIndex : undefined) : {},
        derivationDescription: f.derivationDescription,
        ...(f.derivationCodes ? { derivationCodes: f.derivationCodes } : {}),
        source: sourceImageRef(
          fid,
          sameGrid ? 'YES' : 'NO',
          multiFrame && !SINGLE_FRAME_SOP_CLASSES.has(fid.sopClassUid) ? f.frameIndex + 1 : undefined,
        ),
      };
    });
    const refs = dedupeRefs(built.map((f) => f.source));
    const base = baseParamsFromSource(
      first,
      refs,
      { ...options, sopClassUid: MF_TRUE_COLOR_SC_STORAGE, imageTypeValue3: 'OTHER', instanceNumber: options.instanceNumber ?? 1 },
      uniqueSources(frames).map((f) => ({ source: f.source, transferSyntaxUid: f.sourceTransferSyntaxUid })),
    );
    const own = first.PatientOrientation;
    const orientation =
      Array.isArray(own) && own.length === 2 && own.every((s) => typeof s === 'string' && s.length > 0)
        ? (cloneValue(own) as string[])
        : patientOrientationFromIop(built[0]!.geometry.imageOrientationPatient) ?? '';
    return MultiFrameScBuilder.create({ ...base, frames: built, patientOrientation: orientation });
  }
}

function dedupeRefs(refs: SourceImageRef[]): SourceImageRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.sopInstanceUid}|${r.frameNumber ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function uniqueSources(frames: readonly MfScSourceFrame[]): MfScSourceFrame[] {
  const seen = new Set<unknown>();
  return frames.filter((f) => {
    const key = firstValue(f.source.SOPInstanceUID);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
