import type { Dataset } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import type { RgbImage } from '../render/rgb-image.js';
import {
  baseParamsFromSource,
  type DerivedBaseParams,
  derivedBaseAttributes,
  type DerivedFromSourceOptions,
  processingTime,
  sourceIdentity,
  sourceImageRef,
  sourceInstanceNumber,
  validateDerivedBase,
} from './derived-base.js';
import { frameCount, geometryFor, patientOrientationFor } from './geometry.js';
import { rgbImagePixelModule } from '../dicom/image-pixel-module.js';
import { type ConversionType, secondaryCaptureModules } from './sc-modules.js';
import { ensureCharacterSet, invalid } from './sc-validate.js';
import * as modules from './source-modules.js';
import { SINGLE_FRAME_SOP_CLASSES } from './single-frame-classes.js';

/** Secondary Capture Image Storage (PS3.4 B.5). */
export const SC_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

export interface ScFromSourceOptions extends DerivedFromSourceOptions {
  /** 0-based frame of a multi-frame source; required when the source has several frames. */
  sourceFrameIndex?: number;
}

/** Everything an SC RGB instance needs, typed; `ScImageBuilder.create` validates it. */
export interface ScImageParams extends Omit<DerivedBaseParams, 'sopClassUid'> {
  conversionType: ConversionType;
  /** Image Plane / Frame of Reference attributes, copied only when spatial locations are kept. */
  geometry: Dataset;
  patientOrientation: string[] | '';
  image: RgbImage;
}

const MAX_DIMENSION = 0xffff;

/** The SC-specific invariants (PS3.3 A.8.1, C.7.6.3, C.8.6) on top of the shared ones; throws on the first. */
function validateScParams(p: ScImageParams): void {
  validateDerivedBase({ ...p, sopClassUid: SC_IMAGE_STORAGE });
  const forUid = p.geometry.FrameOfReferenceUID;
  if (forUid !== undefined && !isValidUid(forUid)) invalid(`Frame of Reference UID ${JSON.stringify(forUid)} is not a valid UID`);
  const { width, height, data } = p.image;
  for (const [name, n] of [['Columns', width], ['Rows', height]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSION) invalid(`${name} ${n} outside 1…${MAX_DIMENSION}`);
  }
  if (!(data instanceof Uint8Array)) invalid('pixel data must be 8-bit (Uint8Array)');
  if (data.length !== width * height * 3) {
    invalid(`pixel data has ${data.length} bytes, Rows × Columns × 3 = ${width * height * 3}`);
  }
  if (!p.processing.manufacturer.trim() || !p.processing.modelName.trim()) invalid('processing stamp lacks manufacturer or model');
}

/**
 * The one builder for derived Secondary Capture RGB images (derived-dicom.md §3.2). `create`
 * refuses an inconsistent object; `fromSource` derives every attribute from the source image.
 */
export class ScImageBuilder {
  /** Builds the data set. Throws ConformanceError (PACS_E_DERIVE_INVALID) on inconsistent input. */
  static create(p: ScImageParams): Dataset {
    validateScParams(p);
    const now = processingTime(p);
    const ds: Dataset = {
      // Patient/Study, SOP Common, General Series/Equipment/Image/Reference, Common Instance Reference
      ...derivedBaseAttributes({ ...p, sopClassUid: SC_IMAGE_STORAGE }),
      ...secondaryCaptureModules(p.conversionType, p.processing, now),
      PatientOrientation: p.patientOrientation,
      ...modules.pickAttributes(p.geometry, modules.GEOMETRY),
      ...rgbImagePixelModule(p.image.width, p.image.height),
      PixelData: [copyToArrayBuffer(p.image.data)],
      _vrMap: { PixelData: 'OB' },
    };
    ensureCharacterSet(ds);
    return ds;
  }

  /**
   * One derived SC RGB instance for one source image (or one frame of a multi-frame source).
   * Throws ConformanceError (PACS_E_DERIVE_SOURCE_INCOMPLETE) when the source lacks a mandatory
   * attribute, and PACS_E_DERIVE_INVALID for inconsistent options.
   */
  static fromSource(source: Dataset, image: RgbImage, options: ScFromSourceOptions): Dataset {
    const id = sourceIdentity(source);
    if (options.seriesInstanceUid === id.seriesUid) invalid('derived Series Instance UID equals the source series UID');
    if (options.sopInstanceUid === id.sopUid) invalid('derived SOP Instance UID equals the source SOP Instance UID');

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
    const frameNumber = multiFrame && !SINGLE_FRAME_SOP_CLASSES.has(id.sopClassUid) ? frameIndex! + 1 : undefined;

    const base = baseParamsFromSource(source, [sourceImageRef(id, sameGrid ? 'YES' : 'NO', frameNumber)], {
      ...options,
      sopClassUid: SC_IMAGE_STORAGE,
      imageTypeValue3: 'OTHER',
      // Frames of a multi-frame source become instances 1…n in frame order.
      instanceNumber: multiFrame ? frameIndex! + 1 : sourceInstanceNumber(source),
    });
    return ScImageBuilder.create({
      ...base,
      // WSD (workstation): the image was produced by processing software, not a digitiser.
      conversionType: 'WSD',
      geometry,
      patientOrientation: patientOrientationFor(source, geometry),
      image,
    });
  }
}

function copyToArrayBuffer(data: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(data.byteLength);
  new Uint8Array(out).set(data);
  return out;
}
