import { ENHANCED_CT_IMAGE_STORAGE, ENHANCED_MR_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import { decimalString } from '../dicom/decimal-string.js';
import { grey16PixelModule } from '../dicom/image-pixel-module.js';
import type { Dataset } from '../dicom/part10.js';
import type { RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import { codeItem, type CodedConcept, requiredDerivationCodes } from './codes.js';
import { fitText } from './dicom-text.js';
import {
  baseParamsFromSource,
  type DerivedBaseParams,
  derivedImageType12,
  derivedBaseAttributes,
  type DerivedFromSourceOptions,
  sourceIdentity,
  sourceImageRef,
  sourceInstanceNumber,
  validateDerivedBase,
} from './derived-base.js';
import { frameCount, geometryFor } from './geometry.js';
import { displayGrey, replacementFrameOfReference, type ValueWindow, windowExplanation, windowInverse } from './grayscale-image.js';
import { frameGeometryOf } from './mf-sc-image.js';
import { hierarchicalReferences, type SourceImageRef, sourceImageSequence } from './references.js';
import { ensureCharacterSet, invalid } from './sc-validate.js';
import { cloneValue, firstValue, pickAttributes, stringValue } from './source-modules.js';
import { dimensionOrganizationUid, stackDimensionModule, stackFrameContent, stackIndexValues, type StackPlace, stackRanks } from './stack-dimension.js';

/** Stored values 0…255 (display grey) in 16 bits allocated; 12 is the smallest Bits Stored both IODs allow. */
const BITS_STORED = 12;

/**
 * Functional group macros copied from the source frame (shared or per-frame, PS3.3 A.38.1.4 /
 * A.36.2.5): geometry and acquisition descriptions that stay true of the derived frame. Not
 * copied: Pixel Value Transformation, Frame VOI LUT and Real World Value Mapping (the values
 * changed), Frame Type, Frame Content and Derivation Image (this object's own).
 */
const COMMON_GROUPS = [
  'PixelMeasuresSequence',
  'PlanePositionSequence',
  'PlaneOrientationSequence',
  'FrameAnatomySequence',
  'CardiacSynchronizationSequence',
  'RespiratorySynchronizationSequence',
  'ContrastBolusUsageSequence',
  'IrradiationEventIdentificationSequence',
] as const;
const CT_GROUPS = [
  'CTAcquisitionTypeSequence',
  'CTAcquisitionDetailsSequence',
  'CTTableDynamicsSequence',
  'CTPositionSequence',
  'CTGeometrySequence',
  'CTReconstructionSequence',
  'CTExposureSequence',
  'CTXRayDetailsSequence',
  'CTAdditionalXRaySourceSequence',
] as const;
const MR_GROUPS = [
  'MRTimingAndRelatedParametersSequence',
  'MRFOVGeometrySequence',
  'MREchoSequence',
  'MRModifierSequence',
  'MRImagingModifierSequence',
  'MRReceiveCoilSequence',
  'MRTransmitCoilSequence',
  'MRDiffusionSequence',
  'MRAveragesSequence',
  'MRSpatialSaturationSequence',
  'MRMetaboliteMapSequence',
  'MRVelocityEncodingSequence',
  'MRArterialSpinLabelingSequence',
] as const;

/** Image-level attributes copied from the source (acquisition context, contrast, synchronisation). */
const COMMON_IMAGE = [
  'PatientPosition',
  'AcquisitionDuration',
  'AcquisitionContextSequence',
  'AcquisitionContextDescription',
  // Enhanced Contrast/Bolus (C.7.6.4b), needed by Contrast/Bolus Usage
  'ContrastBolusAgentSequence',
  // Cardiac Synchronization (C.7.4.2) and Respiratory Synchronization (C.7.4.3)
  'CardiacSynchronizationTechnique',
  'CardiacSignalSource',
  'CardiacRRIntervalSpecified',
  'CardiacBeatRejectionTechnique',
  'LowRRValue',
  'HighRRValue',
  'IntervalsAcquired',
  'IntervalsRejected',
  'SkipBeats',
  'CardiacFramingType',
  'RespiratoryMotionCompensationTechnique',
  'RespiratorySignalSource',
  'RespiratoryTriggerDelayThreshold',
  'RespiratoryTriggerType',
] as const;
/**
 * MR Image and Spectroscopy Instance macro (C.8.13.3). The MR Pulse Sequence module (C.8.13.4) is
 * not copied: its attributes are Type 1C on ORIGINAL images and dciodvfy refuses them otherwise.
 */
const MR_IMAGE = [
  'ResonantNucleus',
  'KSpaceFiltering',
  'MagneticFieldStrength',
  'ApplicableSafetyStandardAgency',
  'ApplicableSafetyStandardDescription',
  'SpacingBetweenSlices',
] as const;

/** Frame Content attributes of the source frame that stay true (acquisition numbering and timing). */
const FRAME_CONTENT = [
  'FrameAcquisitionNumber',
  'FrameReferenceDateTime',
  'FrameAcquisitionDateTime',
  'FrameAcquisitionDuration',
  'CardiacCyclePosition',
  'RespiratoryCyclePosition',
  'FrameLabel',
] as const;

/** Frame-level image description (Common CT/MR Image Description macro, + MR Image Description). */
const CT_DESCRIPTORS = ['PixelPresentation', 'VolumetricProperties', 'VolumeBasedCalculationTechnique'] as const;
const MR_DESCRIPTORS = [...CT_DESCRIPTORS, 'ComplexImageComponent', 'AcquisitionContrast'] as const;
const DESCRIPTOR_DEFAULTS: Record<string, string> = {
  PixelPresentation: 'MONOCHROME',
  VolumetricProperties: 'VOLUME',
  VolumeBasedCalculationTechnique: 'NONE',
  ComplexImageComponent: 'MAGNITUDE',
  AcquisitionContrast: 'UNKNOWN',
};

/** Groups the IODs make mandatory for every frame (A.38.1.4 / A.36.2.5: Pixel Measures, Plane Position and Orientation). */
const REQUIRED_GROUPS = ['PixelMeasuresSequence', 'PlanePositionSequence', 'PlaneOrientationSequence'] as const;

/** One frame of the derived object. */
export interface EnhancedGrayscaleFrame {
  /** Stored values, Rows × Columns, 0…4095. */
  pixels: Uint16Array;
  /** Pixel Value Transformation of the frame: never HU (the values are the window's range, not HU). */
  rescale: { slope: number; intercept: number; type: string };
  /** Frame VOI LUT: the default window and what it is. */
  window: { center: number; width: number; explanation: string };
  /** Frame Type (0008,9007), four values. */
  frameType: string[];
  /** Frame-level Common CT/MR (and MR) Image Description values. */
  description: Dataset;
  /** Functional group macros copied from the source frame (COMMON_GROUPS and the IOD's own). */
  groups: Dataset;
  /** Frame Content attributes copied from the source frame (FRAME_CONTENT). */
  content: Dataset;
  stack: StackPlace;
  source: SourceImageRef;
  derivationDescription: string;
  /** This frame's derivation codes; default: the object's. */
  derivationCodes?: readonly CodedConcept[];
}

export interface EnhancedGrayscaleParams extends DerivedBaseParams {
  rows: number;
  columns: number;
  frames: readonly EnhancedGrayscaleFrame[];
  /** Frame of Reference module (C.7.4.1). */
  frameOfReference: { FrameOfReferenceUID: string; PositionReferenceIndicator: string };
  /** Image-level attributes copied from the source (COMMON_IMAGE, MR_IMAGE). */
  imageAttributes: Dataset;
  /** Content Qualification (0018,9004). */
  contentQualification: 'PRODUCT' | 'RESEARCH' | 'SERVICE';
  /** Dimension Organization Type, when the frames still form the source's 3D volume. */
  dimensionOrganizationType?: '3D';
}

/** One rendered (and maybe enhanced) frame of the source, as the pipeline hands it over. */
export interface EnhancedSourceFrame {
  /** 0-based frame of the source. */
  frameIndex: number;
  image: RgbImage;
  /** The window the frame was rendered with: the derived values are mapped back into it. */
  window?: ValueWindow;
  derivationDescription?: string;
  derivationCodes?: readonly CodedConcept[];
}

export interface EnhancedGrayscaleFromSourceOptions extends DerivedFromSourceOptions {
  instanceNumber?: number;
}

function refuse(message: string): never {
  throw new ConformanceError('PACS_E_DERIVE_KIND_UNSUPPORTED', message);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function item(seq: unknown, index = 0): Dataset | undefined {
  if (!Array.isArray(seq)) return undefined;
  const v: unknown = seq[index];
  return typeof v === 'object' && v !== null ? (v as Dataset) : undefined;
}

export function isEnhancedCtMr(sopClassUid: unknown): boolean {
  return sopClassUid === ENHANCED_CT_IMAGE_STORAGE || sopClassUid === ENHANCED_MR_IMAGE_STORAGE;
}

/**
 * The one builder for grayscale derived Enhanced CT and Enhanced MR images (derived-dicom.md §3.1):
 * one multi-frame object of the source's IOD for one source object, frames in source order. Each
 * frame is the luminance of the enhanced RGB mapped back into the value range of the window it was
 * rendered with (the single-frame builder's mapping: displayGrey + windowInverse), stored 0…255
 * with that map as its Pixel Value Transformation (Rescale Type US: not HU) and the window as its
 * Frame VOI LUT. Image Type and every Frame Type are DERIVED\PRIMARY\<source flavour>\<ENHANCED
 * or RENDERED> (value 2 is enumerated PRIMARY in these IODs, PS3.3 C.8.16.1.2). Geometry and acquisition functional groups are the source frame's; each frame
 * names its source frame in a Derivation Image functional group and sits in a stack (Frame
 * Content, indexed by the Multi-frame Dimension module).
 */
export class EnhancedGrayscaleImageBuilder {
  static create(p: EnhancedGrayscaleParams): Dataset {
    validateDerivedBase(p);
    const isCt = p.sopClassUid === ENHANCED_CT_IMAGE_STORAGE;
    if (!isCt && p.sopClassUid !== ENHANCED_MR_IMAGE_STORAGE) invalid('grayscale derived multi-frame images are Enhanced CT or Enhanced MR Image Storage');
    if (p.modality !== (isCt ? 'CT' : 'MR')) invalid(`Modality ${p.modality} does not match the Enhanced ${isCt ? 'CT' : 'MR'} IOD`);
    if (p.imageType.length !== 4) invalid('Image Type of an Enhanced CT/MR image has four values (PS3.3 C.8.16.1)');
    if (p.instanceNumber === undefined) invalid('Instance Number is Type 1 in the Multi-frame Functional Groups module');
    if (!Number.isInteger(p.rows) || !Number.isInteger(p.columns) || p.rows < 1 || p.columns < 1 || p.rows > 0xffff || p.columns > 0xffff) {
      invalid(`image size ${p.columns}×${p.rows} outside 1…65535`);
    }
    if (p.frames.length === 0) invalid('a multi-frame object needs at least one frame');
    if (!p.frameOfReference.FrameOfReferenceUID) invalid('Frame of Reference UID is Type 1 in the Enhanced CT/MR IODs');
    const max = 2 ** BITS_STORED - 1;
    for (const [i, f] of p.frames.entries()) {
      const n = i + 1;
      if (f.pixels.length !== p.rows * p.columns) invalid(`frame ${n} has ${f.pixels.length} values, Rows × Columns = ${p.rows * p.columns}`);
      for (const v of f.pixels) if (v > max) invalid(`frame ${n}: stored value ${v} outside 0…${max}`);
      if (f.rescale.type === 'HU' || !/^[A-Z0-9_ ]{1,16}$/.test(f.rescale.type)) invalid(`frame ${n}: derived values are not HU: Rescale Type must say what they are`);
      if (!isCt && f.rescale.type !== 'US') invalid(`frame ${n}: Rescale Type of an MR frame is US (PS3.3 C.7.6.16.2.9)`);
      if (!(f.rescale.slope !== 0 && Number.isFinite(f.rescale.slope) && Number.isFinite(f.rescale.intercept))) invalid(`frame ${n}: Rescale Slope must be finite and not zero`);
      if (!(f.window.width >= 1)) invalid(`frame ${n}: Window Width ${f.window.width} must be ≥ 1`);
      if (f.frameType.length !== 4 || f.frameType[0] !== p.imageType[0] || f.frameType[1] !== p.imageType[1]) {
        invalid(`frame ${n}: Frame Type must be ${p.imageType[0]}\\${p.imageType[1]}\\…\\… like the Image Type (four values)`);
      }
      if (f.frameType[3] !== p.imageType[3] && p.imageType[3] !== 'MIXED') invalid(`frame ${n}: Frame Type value 4 ${f.frameType[3]} disagrees with Image Type value 4 ${p.imageType[3]}`);
      for (const g of REQUIRED_GROUPS) if (!Array.isArray(f.groups[g]) || f.groups[g].length !== 1) invalid(`frame ${n} has no ${g}: the IOD requires it for every frame`);
      if (f.source.frameNumber === undefined) invalid(`frame ${n} does not name its source frame (Referenced Frame Number)`);
    }
    if (p.imageType[3] === 'MIXED' && p.frames.every((f) => f.frameType[3] === p.frames[0]!.frameType[3])) {
      invalid('Image Type value 4 is MIXED only when the frames differ (PS3.3 C.8.16.1.4)');
    }

    const frameTypeGroup = isCt ? 'CTImageFrameTypeSequence' : 'MRImageFrameTypeSequence';
    const groupsOf = p.frames.map(
      (f): Dataset => ({
        ...f.groups,
        [frameTypeGroup]: [{ FrameType: [...f.frameType], ...f.description }],
        PixelValueTransformationSequence: [{ RescaleIntercept: decimalString(f.rescale.intercept), RescaleSlope: decimalString(f.rescale.slope), RescaleType: f.rescale.type }],
        FrameVOILUTSequence: [{ WindowCenter: decimalString(f.window.center), WindowWidth: decimalString(f.window.width), WindowCenterWidthExplanation: fitText(f.window.explanation, 'LO') }],
      }),
    );
    // A group equal in every frame goes into the Shared Functional Groups (C.7.6.16.1.1), the rest per frame.
    const shared: Dataset = {};
    for (const key of new Set(groupsOf.flatMap((g) => Object.keys(g)))) {
      if (groupsOf.every((g) => g[key] !== undefined && same(g[key], groupsOf[0]![key]))) shared[key] = cloneValue(groupsOf[0]![key]);
    }
    const indexValues = stackIndexValues(p.frames.map((f) => f.stack));
    const perFrame = p.frames.map((f, i): Dataset => {
      const out: Dataset = { FrameContentSequence: [{ ...cloneValue(f.content), ...stackFrameContent(f.stack, indexValues[i]!) }] };
      for (const [key, value] of Object.entries(groupsOf[i]!)) if (shared[key] === undefined) out[key] = cloneValue(value);
      out.DerivationImageSequence = [
        {
          DerivationDescription: fitText(f.derivationDescription, 'ST'),
          DerivationCodeSequence: requiredDerivationCodes(f.derivationCodes ?? p.derivationCodes).map(codeItem),
          SourceImageSequence: sourceImageSequence([f.source]),
        },
      ];
      return out;
    });

    // Image-level description: the frames' value where they agree, MIXED where they do not (C.8.16.2).
    const descriptors = isCt ? CT_DESCRIPTORS : MR_DESCRIPTORS;
    const imageDescription: Dataset = {};
    for (const kw of descriptors) {
      const values = new Set(p.frames.map((f) => String(f.description[kw])));
      imageDescription[kw] = values.size === 1 ? [...values][0]! : 'MIXED';
    }

    const frameBytes = p.rows * p.columns * 2;
    const pixels = new Uint8Array(frameBytes * p.frames.length);
    p.frames.forEach((f, i) => pixels.set(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, frameBytes), i * frameBytes));

    // General Image / General Reference attributes have no place in these IODs: the derivation is
    // per frame (Derivation Image functional group), the evidence in Source Image Evidence.
    const { SourceImageSequence: _s, DerivationDescription: _d, DerivationCodeSequence: _c, ...base } = derivedBaseAttributes(p);
    const dataset: Dataset = {
      ...base,
      ...p.frameOfReference,
      ...cloneValue(p.imageAttributes),
      // Enhanced CT Image (C.8.15.2) / Enhanced MR Image (C.8.13.1)
      ...imageDescription,
      ContentQualification: p.contentQualification,
      SourceImageEvidenceSequence: hierarchicalReferences(p.sourceImages),
      ...grey16PixelModule(p.columns, p.rows, BITS_STORED, false),
      PresentationLUTShape: 'IDENTITY',
      // Multi-frame Functional Groups (C.7.6.16)
      NumberOfFrames: p.frames.length,
      SharedFunctionalGroupsSequence: [shared],
      PerFrameFunctionalGroupsSequence: perFrame,
      // Multi-frame Dimension (C.7.6.17)
      ...stackDimensionModule(dimensionOrganizationUid(p.sopInstanceUid), p.dimensionOrganizationType),
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    if (dataset.AcquisitionContextSequence === undefined) dataset.AcquisitionContextSequence = [];
    if (dataset.PatientPosition === undefined) dataset.PatientPosition = '';
    ensureCharacterSet(dataset);
    return dataset;
  }

  /**
   * One derived Enhanced CT/MR object from the rendered (maybe enhanced) frames of one Enhanced
   * CT/MR source, in source frame order. Refuses (PACS_E_DERIVE_KIND_UNSUPPORTED) other SOP classes
   * and frames without a window; a frame whose grid differs from the source's, or frames out of
   * order, are builder misuse (PACS_E_DERIVE_INVALID).
   */
  static fromSource(source: Dataset, frames: readonly EnhancedSourceFrame[], options: EnhancedGrayscaleFromSourceOptions): Dataset {
    const id = sourceIdentity(source);
    if (!isEnhancedCtMr(id.sopClassUid)) {
      refuse(`output derived-grayscale builds one multi-frame object only for Enhanced CT/MR Image Storage sources; ${id.sopClassUid} (${id.modality}) is neither`);
    }
    const isCt = id.sopClassUid === ENHANCED_CT_IMAGE_STORAGE;
    const photometric = stringValue(source.PhotometricInterpretation);
    if (photometric !== 'MONOCHROME2') refuse(`output derived-grayscale needs a MONOCHROME2 Enhanced ${isCt ? 'CT' : 'MR'} source; this one is ${photometric ?? 'without Photometric Interpretation'}`);
    if (frames.length === 0) invalid('a multi-frame object needs at least one frame');
    const n = frameCount(source);
    frames.forEach((f, i) => {
      if (!Number.isInteger(f.frameIndex) || f.frameIndex < 0 || f.frameIndex >= n) invalid(`frame index ${f.frameIndex} outside 0…${n - 1}`);
      if (i > 0 && f.frameIndex <= frames[i - 1]!.frameIndex) invalid('frames must come in source order, each once');
      if (Number(source.Rows) !== f.image.height || Number(source.Columns) !== f.image.width) {
        invalid('the derived image grid differs from the source: its geometry would not be true');
      }
      if (!f.window) refuse(`output derived-grayscale needs the window frame ${f.frameIndex + 1} was rendered with`);
    });

    const perFrameSource = (index: number): Dataset | undefined => item(source.PerFrameFunctionalGroupsSequence, index);
    const sharedSource = item(source.SharedFunctionalGroupsSequence);
    const macro = (index: number, name: string): unknown => perFrameSource(index)?.[name] ?? sharedSource?.[name];
    const frameTypeGroup = isCt ? 'CTImageFrameTypeSequence' : 'MRImageFrameTypeSequence';
    const imageType = Array.isArray(source.ImageType) ? source.ImageType.map(String) : [];
    const value4 = options.imageTypeValue4 ?? (options.operation === 'render' ? 'RENDERED' : 'ENHANCED');
    const descriptors = isCt ? CT_DESCRIPTORS : MR_DESCRIPTORS;

    // Stack places: the source's when every frame has one (they describe the same geometry), else
    // one stack ranked along the slice normal.
    const contents = frames.map((f) => item(macro(f.frameIndex, 'FrameContentSequence')) ?? {});
    const sourcePlaces = contents.map((c) => ({ stackId: stringValue(c.StackID), inStackPosition: Number(firstValue(c.InStackPositionNumber)) }));
    const places: StackPlace[] = sourcePlaces.every((s) => s.stackId !== undefined && Number.isInteger(s.inStackPosition) && s.inStackPosition > 0)
      ? sourcePlaces.map((s) => ({ stackId: s.stackId!, inStackPosition: s.inStackPosition }))
      : stackRanks(
          frames.map((f) => {
            const g = frameGeometryOf(source, f.frameIndex);
            return { imagePositionPatient: g.imagePositionPatient, imageOrientationPatient: g.imageOrientationPatient };
          }),
        ).map((rank) => ({ stackId: '1', inStackPosition: rank }));

    const built = frames.map((f, i): EnhancedGrayscaleFrame => {
      const window = f.window!;
      const map = windowInverse(window);
      const typeItem = item(macro(f.frameIndex, frameTypeGroup)) ?? {};
      const ownType = Array.isArray(typeItem.FrameType) ? typeItem.FrameType.map(String) : imageType;
      const description: Dataset = {};
      for (const kw of descriptors) description[kw] = stringValue(typeItem[kw]) ?? stringValue(source[kw]) ?? DESCRIPTOR_DEFAULTS[kw]!;
      description.PixelPresentation = 'MONOCHROME';
      const groups: Dataset = {};
      for (const name of [...COMMON_GROUPS, ...(isCt ? CT_GROUPS : MR_GROUPS)]) {
        const value = macro(f.frameIndex, name);
        if (value !== undefined) groups[name] = cloneValue(value);
      }
      return {
        pixels: displayGrey(f.image, false),
        rescale: { slope: map.slope, intercept: map.intercept, type: 'US' },
        window: { center: window.center, width: window.width, explanation: windowExplanation(window) },
        frameType: [...derivedImageType12(id.sopClassUid), ownType[2] || imageType[2] || 'VOLUME', value4],
        description,
        groups,
        content: pickAttributes(contents[i]!, FRAME_CONTENT),
        stack: places[i]!,
        source: sourceImageRef(id, 'YES', f.frameIndex + 1),
        derivationDescription: f.derivationDescription ?? options.derivationDescription,
        ...(f.derivationCodes ? { derivationCodes: f.derivationCodes } : {}),
      };
    });

    const geometry = geometryFor(source, undefined);
    const base = baseParamsFromSource(source, built.map((f) => f.source), {
      ...options,
      sopClassUid: id.sopClassUid,
      imageTypeValue3: imageType[2] || built[0]!.frameType[2],
      imageTypeValue4: value4,
      instanceNumber: options.instanceNumber ?? sourceInstanceNumber(source) ?? 1,
    });
    const allFrames = frames.length === n;
    return EnhancedGrayscaleImageBuilder.create({
      ...base,
      rows: Number(source.Rows),
      columns: Number(source.Columns),
      frames: built,
      frameOfReference: {
        FrameOfReferenceUID: stringValue(geometry.FrameOfReferenceUID) ?? replacementFrameOfReference(id.seriesUid),
        PositionReferenceIndicator: stringValue(geometry.PositionReferenceIndicator) ?? '',
      },
      imageAttributes: pickAttributes(source, [...COMMON_IMAGE, ...(isCt ? [] : MR_IMAGE)]),
      // Made by this node's software from a product image, for review only ("not for primary diagnosis").
      contentQualification: 'RESEARCH',
      dimensionOrganizationType: allFrames && stringValue(source.DimensionOrganizationType) === '3D' ? '3D' : undefined,
    });
  }
}
