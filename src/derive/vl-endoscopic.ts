import { VL_ENDOSCOPIC_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import type { Dataset } from '../dicom/part10.js';
import type { RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import {
  baseParamsFromSource,
  type DerivedBaseParams,
  derivedBaseAttributes,
  type DerivedFromSourceOptions,
  sourceIdentity,
  sourceImageRef,
  sourceInstanceNumber,
  validateDerivedBase,
} from './derived-base.js';
import { frameCount, patientOrientationFor } from './geometry.js';
import { rgbImagePixelModule } from '../dicom/image-pixel-module.js';
import { ensureCharacterSet, invalid } from './sc-validate.js';
import { cloneValue, pickAttributes } from './source-modules.js';

/** Attributes of the VL Image module (C.8.12.1) and neighbours that describe the scene, kept. */
const VL_CONTEXT = ['AnatomicRegionSequence', 'PrimaryAnatomicStructureSequence', 'ImageLaterality'] as const;

export interface VlEndoscopicParams extends DerivedBaseParams {
  /** Acquisition Context Sequence (C.7.6.14, Type 2): copied from the source, empty when it has none. */
  acquisitionContext: Dataset[];
  /** Anatomic region, structure, laterality of the scene (C.8.12.1), copied. */
  scene: Dataset;
  patientOrientation: string[] | '';
  image: RgbImage;
}

/**
 * The one builder for derived VL Endoscopic images (PS3.3 A.32.1): the endoscopy source keeps its
 * IOD and context — DERIVED\SECONDARY, 8-bit RGB colour-by-pixel (C.8.12.1.1), Acquisition
 * Context copied, no windowing attributes (colour images are never windowed).
 */
export class VlEndoscopicBuilder {
  static create(p: VlEndoscopicParams): Dataset {
    validateDerivedBase(p);
    if (p.sopClassUid !== VL_ENDOSCOPIC_IMAGE_STORAGE) invalid('SOP Class must be VL Endoscopic Image Storage');
    const { width, height, data } = p.image;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
      invalid(`image size ${width}×${height} outside 1…65535`);
    }
    if (!(data instanceof Uint8Array) || data.length !== width * height * 3) invalid('pixel data must be 8-bit RGB of Rows × Columns × 3 bytes');
    const pixels = new Uint8Array(data.length + (data.length % 2));
    pixels.set(data);
    const ds: Dataset = {
      ...derivedBaseAttributes(p),
      PatientOrientation: p.patientOrientation,
      AcquisitionContextSequence: cloneValue(p.acquisitionContext),
      ...pickAttributes(p.scene, VL_CONTEXT),
      ...rgbImagePixelModule(width, height),
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OB' },
    };
    ensureCharacterSet(ds);
    return ds;
  }

  /** One derived VL Endoscopic image per source image; refuses sources of any other SOP class. */
  static fromSource(source: Dataset, image: RgbImage, options: DerivedFromSourceOptions): Dataset {
    const id = sourceIdentity(source);
    if (id.sopClassUid !== VL_ENDOSCOPIC_IMAGE_STORAGE) {
      throw new ConformanceError(
        'PACS_E_DERIVE_KIND_UNSUPPORTED',
        `output vl-endoscopic needs VL Endoscopic Image sources; ${id.sopClassUid} (${id.modality}) is not one (use sc-rgb)`,
      );
    }
    if (frameCount(source) > 1) invalid('VL Endoscopic Image is single-frame');
    const sameGrid = Number(source.Rows) === image.height && Number(source.Columns) === image.width;
    const base = baseParamsFromSource(source, [sourceImageRef(id, sameGrid ? 'YES' : 'NO')], {
      ...options,
      sopClassUid: VL_ENDOSCOPIC_IMAGE_STORAGE,
      // C.8.12.1.1.6 enumerates Image Type value 3 for VL images; none of its terms applies.
      imageTypeValue3: undefined,
      instanceNumber: sourceInstanceNumber(source),
    });
    const context = source.AcquisitionContextSequence;
    return VlEndoscopicBuilder.create({
      ...base,
      acquisitionContext: Array.isArray(context) ? (context as Dataset[]) : [],
      scene: pickAttributes(source, VL_CONTEXT),
      patientOrientation: patientOrientationFor(source, {}),
      image,
    });
  }
}
