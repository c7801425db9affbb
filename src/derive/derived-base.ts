import { ENHANCED_CT_IMAGE_STORAGE, ENHANCED_MR_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import type { Dataset } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import { codeItem, type CodedConcept, derivationCodesFor, type DerivationOperation } from './codes.js';
import { contributingEquipmentSequence } from './contributing-equipment.js';
import { withDeidentificationMethod } from './deidentification.js';
import { fitText, formatDicomDateTime, parseTimezoneOffset, type DicomDateTime } from './dicom-text.js';
import type { ProcessingStamp } from './equipment.js';
import { lossyStateFor, type LossyState } from './lossy.js';
import { referencedSeriesSequence, relatedSeriesSequence, type SourceImageRef, sourceImageSequence } from './references.js';
import { invalid, requireSourceText, requireSourceUid } from './sc-validate.js';
import * as modules from './source-modules.js';
import { cloneValue } from './source-modules.js';

/**
 * What every derived image of this node shares, whatever its IOD: Patient / Study (copied),
 * SOP Common with Contributing Equipment, General Series (new series, Related Series), General
 * Equipment (the source's), General Image + General Reference (Image Type, derivation, sources,
 * lossy history) and Common Instance Reference. The IOD-specific builders (mf-sc-image.ts,
 * grayscale-image.ts, vl-endoscopic.ts) add their own modules on top.
 */
export interface DerivedBaseParams {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  patientAndStudy: Dataset;
  modality: string;
  seriesNumber: number;
  seriesDescription: string;
  instanceNumber?: number;
  imageType: readonly string[];
  derivationDescription: string;
  derivationCodes: readonly CodedConcept[];
  sourceImages: readonly SourceImageRef[];
  generalEquipment: Dataset;
  contributingEquipment: Dataset[];
  processing: ProcessingStamp;
  /** Body Part Examined, Laterality, acquisition date/time/number. */
  context: Dataset;
  burnedInAnnotation: 'YES' | 'NO';
  recognizableVisualFeatures: 'YES' | 'NO';
  lossy: LossyState;
}

/** Options every `fromSource` of a derived-image builder takes. */
export interface DerivedFromSourceOptions {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  derivationDescription: string;
  /** Image Type value 4 (implementation-specific), e.g. ENHANCED or RENDERED. */
  imageTypeValue4?: string;
  processing: ProcessingStamp;
  /** What produced the pixels, when `derivationCodes` is not given (default: 'enhance'). */
  operation?: DerivationOperation;
  /**
   * Derivation Code Sequence (CID 7203) of the object, e.g. from `derivationCodesFor` with what
   * the engine said it applied; takes precedence over `operation`.
   */
  derivationCodes?: readonly CodedConcept[];
  sourceTransferSyntaxUid?: string;
}

const CS_VALUE = /^[A-Z0-9_ ]{1,16}$/;

/**
 * IODs whose Image Type value 2 is enumerated PRIMARY only (PS3.3 C.8.16.1.2: Enhanced CT, Enhanced
 * MR); every other derived image of this node is SECONDARY.
 */
const VALUE2_PRIMARY_ONLY = new Set([ENHANCED_CT_IMAGE_STORAGE, ENHANCED_MR_IMAGE_STORAGE]);

/** Image Type values 1 and 2 of a derived image of this SOP class. */
export function derivedImageType12(sopClassUid: string): [string, string] {
  return ['DERIVED', VALUE2_PRIMARY_ONLY.has(sopClassUid) ? 'PRIMARY' : 'SECONDARY'];
}

/** Invariants shared by every derived image (PS3.3 C.7.6.1.1.2, C.12.1, C.12.4). */
export function validateDerivedBase(p: DerivedBaseParams): void {
  const uids: [string, unknown][] = [
    ['SOP Class UID', p.sopClassUid],
    ['SOP Instance UID', p.sopInstanceUid],
    ['Series Instance UID', p.seriesInstanceUid],
    ['Study Instance UID', p.studyInstanceUid],
    ['Device UID', p.processing.deviceUid],
  ];
  for (const ref of p.sourceImages) {
    uids.push(['referenced SOP Class UID', ref.sopClassUid], ['referenced SOP Instance UID', ref.sopInstanceUid]);
    uids.push(['referenced Series UID', ref.seriesInstanceUid], ['referenced Study UID', ref.studyInstanceUid]);
  }
  for (const [name, uid] of uids) if (!isValidUid(uid)) invalid(`${name} ${JSON.stringify(uid)} is not a valid UID`);
  if (p.sourceImages.length === 0) invalid('a derived image needs at least one source image');
  if (p.sourceImages.some((r) => r.sopInstanceUid === p.sopInstanceUid)) invalid('SOP Instance UID equals a source image UID');
  if (p.sourceImages.some((r) => r.seriesInstanceUid === p.seriesInstanceUid)) invalid('derived Series Instance UID equals a source series UID');
  const [value1, value2] = derivedImageType12(p.sopClassUid);
  if (p.imageType[0] !== value1 || p.imageType[1] !== value2) invalid(`Image Type must start with ${value1}\\${value2}`);
  for (const v of p.imageType) if (!CS_VALUE.test(v)) invalid(`Image Type value ${JSON.stringify(v)} is not a CS value`);
  if (!CS_VALUE.test(p.modality)) invalid(`Modality ${JSON.stringify(p.modality)} is not a CS value`);
  if (!Number.isInteger(p.seriesNumber) || p.seriesNumber < -(2 ** 31) || p.seriesNumber >= 2 ** 31) {
    invalid(`Series Number ${p.seriesNumber} is not an IS value`);
  }
  if (p.instanceNumber !== undefined && (!Number.isInteger(p.instanceNumber) || Math.abs(p.instanceNumber) >= 2 ** 31)) {
    invalid(`Instance Number ${p.instanceNumber} is not an IS value`);
  }
  if (p.derivationDescription.trim().length === 0) invalid('Derivation Description is empty');
  if (p.seriesDescription.trim().length === 0) invalid('Series Description is empty');
  if (p.processing.softwareVersions.length === 0) invalid('processing stamp has no software versions');
  if (Number.isNaN(p.processing.processedAt.getTime())) invalid('processing time is not a valid date');
  if (p.patientAndStudy.StudyInstanceUID !== undefined && p.patientAndStudy.StudyInstanceUID !== p.studyInstanceUid) {
    invalid('patient/study attributes belong to another study');
  }
}

/** Processing time rendered in the instance's own timezone offset. */
export function processingTime(p: Pick<DerivedBaseParams, 'patientAndStudy' | 'processing'>): DicomDateTime {
  const offset = parseTimezoneOffset(p.patientAndStudy.TimezoneOffsetFromUTC) ?? 0;
  return formatDicomDateTime(p.processing.processedAt, offset);
}

/**
 * Patient, Clinical Trial, General Study and Patient Study attributes of a derived object (any
 * IOD, images and reports alike) from its source's: copied by allow-list, missing Type 2 ones
 * empty, De-identification Method filled where Patient Identity Removed requires it.
 */
export function copiedPatientAndStudy(source: Dataset): Dataset {
  return withDeidentificationMethod(modules.withEmptyType2(modules.pickAttributes(source, modules.PATIENT_AND_STUDY)));
}

/** The modules every derived image shares (see DerivedBaseParams). Validate first. */
export function derivedBaseAttributes(p: DerivedBaseParams): Dataset {
  const now = processingTime(p);
  const ds: Dataset = {
    ...copiedPatientAndStudy(p.patientAndStudy),
    SOPClassUID: p.sopClassUid,
    SOPInstanceUID: p.sopInstanceUid,
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    ContributingEquipmentSequence: cloneValue(p.contributingEquipment),
    StudyInstanceUID: p.studyInstanceUid,
    Modality: p.modality,
    SeriesInstanceUID: p.seriesInstanceUid,
    SeriesNumber: p.seriesNumber,
    SeriesDate: now.date,
    SeriesTime: now.time,
    SeriesDescription: fitText(p.seriesDescription, 'LO'),
    RelatedSeriesSequence: relatedSeriesSequence(p.sourceImages),
    ...modules.pickAttributes(p.context, modules.IMAGE_CONTEXT),
    ...modules.pickAttributes(p.generalEquipment, modules.GENERAL_EQUIPMENT_MODULE),
    ContentDate: now.date,
    ContentTime: now.time,
    ImageType: [...p.imageType],
    DerivationDescription: fitText(p.derivationDescription, 'ST'),
    SourceImageSequence: sourceImageSequence(p.sourceImages),
    BurnedInAnnotation: p.burnedInAnnotation,
    RecognizableVisualFeatures: p.recognizableVisualFeatures,
    ...p.lossy,
    ReferencedSeriesSequence: referencedSeriesSequence(p.sourceImages, p.studyInstanceUid),
  };
  if (p.instanceNumber !== undefined) ds.InstanceNumber = p.instanceNumber;
  if (p.derivationCodes.length > 0) ds.DerivationCodeSequence = p.derivationCodes.map(codeItem);
  return ds;
}

/** The identity of a source image every builder needs, each a Type 1 attribute. */
export interface SourceIdentity {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  modality: string;
}

export function sourceIdentity(source: Dataset): SourceIdentity {
  return {
    studyUid: requireSourceUid(source, 'StudyInstanceUID'),
    seriesUid: requireSourceUid(source, 'SeriesInstanceUID'),
    sopUid: requireSourceUid(source, 'SOPInstanceUID'),
    sopClassUid: requireSourceUid(source, 'SOPClassUID'),
    modality: requireSourceText(source, 'Modality'),
  };
}

/** Reference to a source image (one frame of it when `frameNumber` is given). */
export function sourceImageRef(id: SourceIdentity, spatialLocationsPreserved: 'YES' | 'NO', frameNumber?: number): SourceImageRef {
  return {
    sopClassUid: id.sopClassUid,
    sopInstanceUid: id.sopUid,
    seriesInstanceUid: id.seriesUid,
    studyInstanceUid: id.studyUid,
    frameNumber,
    spatialLocationsPreserved,
  };
}

/** The source's Instance Number, when it has a usable one. */
export function sourceInstanceNumber(source: Dataset): number | undefined {
  const n = Number(modules.firstValue(source.InstanceNumber));
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Base parameters of a derived image computed from its (first) source: patient/study, equipment,
 * context and lossy state come from `source`; `sourceImages` may list several sources (multi-frame
 * output), whose lossy flags are merged ("once 01, never reset").
 */
export function baseParamsFromSource(
  source: Dataset,
  sourceImages: SourceImageRef[],
  options: DerivedFromSourceOptions & { sopClassUid: string; imageTypeValue3?: string; instanceNumber?: number },
  lossySources: { source: Dataset; transferSyntaxUid?: string }[] = [{ source, transferSyntaxUid: options.sourceTransferSyntaxUid }],
): DerivedBaseParams {
  const id = sourceIdentity(source);
  // Values 3 and 4 only where the IOD allows them (the VL Image module enumerates value 3).
  const imageType: string[] = derivedImageType12(options.sopClassUid);
  if (options.imageTypeValue3) {
    imageType.push(options.imageTypeValue3);
    if (options.imageTypeValue4) imageType.push(options.imageTypeValue4);
  }
  const context = modules.pickAttributes(source, modules.IMAGE_CONTEXT);
  const laterality = modules.lateralityFor(source);
  if (laterality === undefined) delete context.Laterality;
  else context.Laterality = laterality;
  return {
    sopClassUid: options.sopClassUid,
    sopInstanceUid: options.sopInstanceUid,
    seriesInstanceUid: options.seriesInstanceUid,
    studyInstanceUid: id.studyUid,
    patientAndStudy: modules.pickAttributes(source, modules.PATIENT_AND_STUDY),
    modality: id.modality,
    seriesNumber: options.seriesNumber,
    seriesDescription: options.seriesDescription,
    instanceNumber: options.instanceNumber,
    imageType,
    derivationDescription: options.derivationDescription,
    derivationCodes: options.derivationCodes ?? derivationCodesFor(options.operation ?? 'enhance'),
    sourceImages,
    generalEquipment: modules.pickAttributes(source, modules.GENERAL_EQUIPMENT_MODULE),
    contributingEquipment: contributingEquipmentSequence(source, options.processing),
    processing: options.processing,
    context,
    burnedInAnnotation: lossySources.some((s) => modules.stringValue(s.source.BurnedInAnnotation) === 'YES') ? 'YES' : 'NO',
    recognizableVisualFeatures: lossySources.some((s) => modules.stringValue(s.source.RecognizableVisualFeatures) === 'YES') ? 'YES' : 'NO',
    lossy: mergeLossy(lossySources.map((s) => lossyStateFor(s.source, s.transferSyntaxUid))),
  };
}

/** Lossy state of an image derived from several sources: 01 if any was lossy, methods and ratios united. */
export function mergeLossy(states: LossyState[]): LossyState {
  if (states.length === 1) return states[0]!;
  if (states.some((s) => s.LossyImageCompression === '01')) {
    const methods = [...new Set(states.flatMap((s) => s.LossyImageCompressionMethod ?? []))];
    const out: LossyState = { LossyImageCompression: '01' };
    if (methods.length > 0) out.LossyImageCompressionMethod = methods;
    return out;
  }
  return states.length > 0 && states.every((s) => s.LossyImageCompression === '00') ? { LossyImageCompression: '00' } : {};
}
