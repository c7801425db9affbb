import type { Dataset } from '../dicom/part10.js';
import type { RgbImage } from '../render/rgb-image.js';
import { codeItem, type CodedConcept, derivationCodesFor, type DerivationOperation } from './codes.js';
import { contributingEquipmentSequence } from './contributing-equipment.js';
import { fitText, formatDicomDateTime, parseTimezoneOffset } from './dicom-text.js';
import type { ProcessingStamp } from './equipment.js';
import { frameCount, geometryFor, patientOrientationFor } from './geometry.js';
import { lossyStateFor, type LossyState } from './lossy.js';
import { referencedSeriesSequence, relatedSeriesSequence, type SourceImageRef, sourceImageSequence } from './references.js';
import { ensureCharacterSet, invalid, requireSourceUid, requireSourceText, validateScParams } from './sc-validate.js';
import * as modules from './source-modules.js';
import { cloneValue } from './source-modules.js';
import { SINGLE_FRAME_SOP_CLASSES } from './single-frame-classes.js';

export type { ProcessingStamp } from './equipment.js';

/** Secondary Capture Image Storage (PS3.4 B.5). */
export const SC_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

export interface ScFromSourceOptions {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  derivationDescription: string;
  /** Image Type value 4, e.g. "ENHANCED" (implementation-specific, PS3.3 C.7.6.1.1.2). */
  imageTypeValue4?: string;
  /** 0-based frame of a multi-frame source; required when the source has several frames. */
  sourceFrameIndex?: number;
  processing: ProcessingStamp;
  /** Which stage produced the pixels; picks the Derivation Code (see codes.ts). Default 'enhance'. */
  operation?: DerivationOperation;
  /** Transfer syntax the source arrived in; a lossy one marks the derived image lossy. */
  sourceTransferSyntaxUid?: string;
}

/** Everything an SC RGB instance needs, typed; `ScImageBuilder.create` validates it. */
export interface ScImageParams {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  /** Patient, study, clinical-trial and SOP Common context attributes, copied unchanged. */
  patientAndStudy: Dataset;
  modality: string;
  seriesNumber: number;
  seriesDescription: string;
  instanceNumber?: number;
  /** Values 1–2 must be DERIVED\SECONDARY. */
  imageType: readonly string[];
  conversionType: 'WSD' | 'SYN' | 'DI' | 'DV' | 'DF' | 'SD' | 'SI' | 'DRW';
  derivationDescription: string;
  derivationCodes: readonly CodedConcept[];
  sourceImages: readonly SourceImageRef[];
  /** General Equipment of the source (PS3.3 C.8.6.1 note 1). */
  generalEquipment: Dataset;
  contributingEquipment: Dataset[];
  processing: ProcessingStamp;
  /** Image Plane / Frame of Reference attributes, copied only when spatial locations are kept. */
  geometry: Dataset;
  /** Body Part Examined, Laterality, acquisition date/time/number. */
  context: Dataset;
  patientOrientation: string[] | '';
  burnedInAnnotation: 'YES' | 'NO';
  recognizableVisualFeatures: 'YES' | 'NO';
  lossy: LossyState;
  image: RgbImage;
}

/**
 * The one builder for derived Secondary Capture RGB images (derived-dicom.md §3.2). `create`
 * refuses an inconsistent object; `fromSource` derives every attribute from the source image.
 */
export class ScImageBuilder {
  /** Builds the data set. Throws ConformanceError (PACS_E_DERIVE_INVALID) on inconsistent input. */
  static create(p: ScImageParams): Dataset {
    validateScParams(p);
    const offset = parseTimezoneOffset(p.patientAndStudy.TimezoneOffsetFromUTC) ?? 0;
    const now = formatDicomDateTime(p.processing.processedAt, offset);
    const ds: Dataset = {
      // Allow-listed again here so no caller can smuggle Rescale/VOI/private attributes in.
      ...modules.withEmptyType2(modules.pickAttributes(p.patientAndStudy, modules.PATIENT_AND_STUDY)),
      // SOP Common (C.12.1)
      SOPClassUID: SC_IMAGE_STORAGE,
      SOPInstanceUID: p.sopInstanceUid,
      InstanceCreationDate: now.date,
      InstanceCreationTime: now.time,
      ContributingEquipmentSequence: cloneValue(p.contributingEquipment),
      // General Study (C.7.2.1) — the study UID is the source's, so the series joins its study
      StudyInstanceUID: p.studyInstanceUid,
      // General Series (C.7.3.1)
      Modality: p.modality,
      SeriesInstanceUID: p.seriesInstanceUid,
      SeriesNumber: p.seriesNumber,
      SeriesDate: now.date,
      SeriesTime: now.time,
      SeriesDescription: fitText(p.seriesDescription, 'LO'),
      RelatedSeriesSequence: relatedSeriesSequence(p.sourceImages),
      ...modules.pickAttributes(p.context, modules.IMAGE_CONTEXT),
      // General Equipment (C.7.5.1) — the source's acquisition equipment
      ...modules.pickAttributes(p.generalEquipment, modules.GENERAL_EQUIPMENT_MODULE),
      // SC Equipment (C.8.6.1) — this node is the secondary capture device
      ConversionType: p.conversionType,
      SecondaryCaptureDeviceID: p.processing.deviceUid,
      SecondaryCaptureDeviceManufacturer: fitText(p.processing.manufacturer, 'LO'),
      SecondaryCaptureDeviceManufacturerModelName: fitText(p.processing.modelName, 'LO'),
      SecondaryCaptureDeviceSoftwareVersions: p.processing.softwareVersions.map((v) => fitText(v, 'LO')),
      // General Image (C.7.6.1) + General Reference (C.12.4)
      PatientOrientation: p.patientOrientation,
      ContentDate: now.date,
      ContentTime: now.time,
      ImageType: [...p.imageType],
      DerivationDescription: fitText(p.derivationDescription, 'ST'),
      SourceImageSequence: sourceImageSequence(p.sourceImages),
      BurnedInAnnotation: p.burnedInAnnotation,
      RecognizableVisualFeatures: p.recognizableVisualFeatures,
      ...p.lossy,
      // SC Image (C.8.6.2)
      DateOfSecondaryCapture: now.date,
      TimeOfSecondaryCapture: now.time,
      ...modules.pickAttributes(p.geometry, modules.GEOMETRY),
      // Common Instance Reference (C.12.2)
      ReferencedSeriesSequence: referencedSeriesSequence(p.sourceImages, p.studyInstanceUid),
      // Image Pixel (C.7.6.3): 8-bit RGB, colour-by-pixel (C.7.6.3.1.3)
      SamplesPerPixel: 3,
      PhotometricInterpretation: 'RGB',
      PlanarConfiguration: 0,
      Rows: p.image.height,
      Columns: p.image.width,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PixelData: [copyToArrayBuffer(p.image.data)],
      _vrMap: { PixelData: 'OB' },
    };
    if (p.instanceNumber !== undefined) ds.InstanceNumber = p.instanceNumber;
    if (p.derivationCodes.length > 0) ds.DerivationCodeSequence = p.derivationCodes.map(codeItem);
    ensureCharacterSet(ds);
    return ds;
  }

  /**
   * One derived SC RGB instance for one source image (or one frame of a multi-frame source).
   * Throws ConformanceError (PACS_E_DERIVE_SOURCE_INCOMPLETE) when the source lacks a mandatory
   * attribute, and PACS_E_DERIVE_INVALID for inconsistent options.
   */
  static fromSource(source: Dataset, image: RgbImage, options: ScFromSourceOptions): Dataset {
    const studyUid = requireSourceUid(source, 'StudyInstanceUID');
    const seriesUid = requireSourceUid(source, 'SeriesInstanceUID');
    const sopUid = requireSourceUid(source, 'SOPInstanceUID');
    const sopClassUid = requireSourceUid(source, 'SOPClassUID');
    const modality = requireSourceText(source, 'Modality');
    if (options.seriesInstanceUid === seriesUid) invalid('derived Series Instance UID equals the source series UID');
    if (options.sopInstanceUid === sopUid) invalid('derived SOP Instance UID equals the source SOP Instance UID');

    const frames = frameCount(source);
    const frameIndex = options.sourceFrameIndex;
    if (frames > 1 && frameIndex === undefined) invalid(`source has ${frames} frames: sourceFrameIndex is required`);
    if (frameIndex !== undefined && (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= frames)) {
      invalid(`sourceFrameIndex ${frameIndex} outside 0…${frames - 1}`);
    }
    const multiFrame = frames > 1;

    // Geometry is only true of the derived pixels when the pixel grid is the source's.
    const sameGrid = Number(source.Rows) === image.height && Number(source.Columns) === image.width;
    const geometry = sameGrid ? geometryFor(source, multiFrame ? frameIndex : undefined) : {};
    const sourceInstanceNumber = Number(modules.firstValue(source.InstanceNumber));

    const imageType = ['DERIVED', 'SECONDARY', 'OTHER'];
    if (options.imageTypeValue4) imageType.push(options.imageTypeValue4);

    return ScImageBuilder.create({
      sopInstanceUid: options.sopInstanceUid,
      seriesInstanceUid: options.seriesInstanceUid,
      studyInstanceUid: studyUid,
      patientAndStudy: modules.pickAttributes(source, modules.PATIENT_AND_STUDY),
      modality,
      seriesNumber: options.seriesNumber,
      seriesDescription: options.seriesDescription,
      // Frames of a multi-frame source become instances 1…n in frame order.
      instanceNumber: multiFrame ? frameIndex! + 1 : Number.isInteger(sourceInstanceNumber) ? sourceInstanceNumber : undefined,
      imageType,
      // WSD (workstation): the image was produced by processing software, not a digitiser.
      conversionType: 'WSD',
      derivationDescription: options.derivationDescription,
      derivationCodes: derivationCodesFor(options.operation ?? 'enhance'),
      sourceImages: [
        {
          sopClassUid,
          sopInstanceUid: sopUid,
          seriesInstanceUid: seriesUid,
          studyInstanceUid: studyUid,
          frameNumber: multiFrame && !SINGLE_FRAME_SOP_CLASSES.has(sopClassUid) ? frameIndex! + 1 : undefined,
          spatialLocationsPreserved: sameGrid ? 'YES' : 'NO',
        },
      ],
      generalEquipment: modules.pickAttributes(source, modules.GENERAL_EQUIPMENT_MODULE),
      contributingEquipment: contributingEquipmentSequence(source, options.processing),
      processing: options.processing,
      geometry,
      context: seriesContext(source),
      patientOrientation: patientOrientationFor(source, geometry),
      // The source's burned-in text is still in the derived pixels; we add none ourselves.
      burnedInAnnotation: modules.stringValue(source.BurnedInAnnotation) === 'YES' ? 'YES' : 'NO',
      recognizableVisualFeatures: modules.stringValue(source.RecognizableVisualFeatures) === 'YES' ? 'YES' : 'NO',
      lossy: lossyStateFor(source, options.sourceTransferSyntaxUid),
      image,
    });
  }
}

/**
 * Body Part Examined, Laterality and acquisition date/time/number of the source. Laterality is
 * Type 2C (C.7.3.1, required for paired body parts): see lateralityFor.
 */
function seriesContext(source: Dataset): Dataset {
  const context = modules.pickAttributes(source, modules.IMAGE_CONTEXT);
  const laterality = modules.lateralityFor(source);
  if (laterality === undefined) delete context.Laterality;
  else context.Laterality = laterality;
  return context;
}

function copyToArrayBuffer(data: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(data.byteLength);
  new Uint8Array(out).set(data);
  return out;
}
