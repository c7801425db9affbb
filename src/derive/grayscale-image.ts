import { CT_IMAGE_STORAGE, MR_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import { decimalString } from '../dicom/decimal-string.js';
import type { Dataset } from '../dicom/part10.js';
import { deriveUid } from '../dicom/uid.js';
import type { RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import { fitText } from './dicom-text.js';
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
import { frameCount, geometryFor, patientOrientationFor } from './geometry.js';
import { ensureCharacterSet, invalid } from './sc-validate.js';
import { pickAttributes, stringValue } from './source-modules.js';

/** CT Image Module (PS3.3 C.8.2.1) acquisition attributes that stay true of the derived image. */
const CT_ACQUISITION = [
  'KVP',
  'DataCollectionDiameter',
  'ReconstructionDiameter',
  'DistanceSourceToDetector',
  'DistanceSourceToPatient',
  'GantryDetectorTilt',
  'TableHeight',
  'RotationDirection',
  'ExposureTime',
  'XRayTubeCurrent',
  'Exposure',
  'FilterType',
  'GeneratorPower',
  'FocalSpots',
  'ConvolutionKernel',
  'RevolutionTime',
  'SingleCollimationWidth',
  'TotalCollimationWidth',
  'SpiralPitchFactor',
  'CTDIvol',
] as const;

/** MR Image Module (PS3.3 C.8.3.1) acquisition attributes that stay true of the derived image. */
const MR_ACQUISITION = [
  'ScanningSequence',
  'SequenceVariant',
  'ScanOptions',
  'MRAcquisitionType',
  'SequenceName',
  'AngioFlag',
  'RepetitionTime',
  'EchoTime',
  'EchoTrainLength',
  'InversionTime',
  'TriggerTime',
  'NumberOfAverages',
  'ImagingFrequency',
  'ImagedNucleus',
  'EchoNumbers',
  'MagneticFieldStrength',
  'SpacingBetweenSlices',
  'NumberOfPhaseEncodingSteps',
  'PercentSampling',
  'PercentPhaseFieldOfView',
  'PixelBandwidth',
  'ReceiveCoilName',
  'TransmitCoilName',
  'AcquisitionMatrix',
  'InPlanePhaseEncodingDirection',
  'FlipAngle',
  'SAR',
  'dBdt',
] as const;

/** Contrast/Bolus Module (C.7.6.4): present in the derived image when the source had it. */
const CONTRAST_BOLUS = [
  'ContrastBolusAgent',
  'ContrastBolusAgentSequence',
  'ContrastBolusRoute',
  'ContrastBolusVolume',
  'ContrastBolusStartTime',
  'ContrastBolusStopTime',
  'ContrastBolusTotalDose',
  'ContrastFlowRate',
  'ContrastFlowDuration',
  'ContrastBolusIngredient',
  'ContrastBolusIngredientConcentration',
] as const;

/** Type 2 attributes of the CT / MR Image modules sent empty when the source has none. */
const TYPE2: Record<string, readonly string[]> = {
  CT: ['KVP'],
  MR: ['ScanOptions', 'MRAcquisitionType', 'EchoTime', 'EchoTrainLength'],
};
const TYPE1_MR = ['ScanningSequence', 'SequenceVariant'] as const;

const FRAME_OF_REFERENCE_NAMESPACE = 'unimie-pacs-node:frame-of-reference:v1';

/** The window the grey values were rendered with: the derived values are mapped back into it. */
export interface ValueWindow {
  name: string;
  center: number;
  width: number;
}

/** How stored values become output values and how they are displayed by default. */
export interface GrayscaleEncoding {
  photometricInterpretation: 'MONOCHROME1' | 'MONOCHROME2';
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  /** CT only (Modality LUT module in the CT IOD); MR stores output values directly. */
  rescale?: { slope: number; intercept: number; type: string };
  window: { center: number; width: number; explanation: string };
}

export interface GrayscaleParams extends DerivedBaseParams {
  /** Frame of Reference, Image Plane and General Series position attributes (Type 1/2 here). */
  geometry: Dataset;
  patientPosition: string;
  patientOrientation: string[] | '';
  /** CT/MR Image module acquisition attributes (and Contrast/Bolus), copied from the source. */
  acquisition: Dataset;
  encoding: GrayscaleEncoding;
  rows: number;
  columns: number;
  pixels: Uint16Array | Int16Array;
}

export interface GrayscaleFromSourceOptions extends DerivedFromSourceOptions {
  window: ValueWindow | undefined;
}

/** Luminance (ITU-R BT.601) of each RGB pixel, 0…255. */
export function luminance(image: RgbImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  const d = image.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = Math.round(0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!);
  return out;
}

/**
 * The enhanced image as grey levels 0…255 in the source's polarity (a MONOCHROME1 source's display
 * inversion undone): the values `windowInverse` maps back onto the window's value range. A grey
 * image's own plane is taken as is (the luminance of R = G = B is that grey level).
 */
export function displayGrey(image: RgbImage, invert: boolean): Uint16Array {
  const y = image.gray ?? luminance(image);
  const out = new Uint16Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = invert ? 255 - y[i]! : y[i]!;
  return out;
}

/** Window Center & Width Explanation of a derived grayscale image: which window, and that the values are not HU. */
export function windowExplanation(window: ValueWindow): string {
  return `${window.name} window of the source (values not HU)`;
}

/**
 * Inverse of the LINEAR VOI function (PS3.3 C.11.2.1.2.1) over 0…255: display value y maps back
 * to c − 0.5 + (y/255 − 0.5)(w − 1), so the output values span the window the image was rendered
 * with. Returns slope and intercept of that map.
 */
export function windowInverse(window: { center: number; width: number }): { slope: number; intercept: number } {
  const span = Math.max(window.width - 1, 1);
  return { slope: span / 255, intercept: window.center - 0.5 - span / 2 };
}

/**
 * Frame of Reference UID for the derived images of a source series whose own UID was unusable
 * (geometry.ts): one new frame of reference per source series keeps its derived images linked.
 */
export function replacementFrameOfReference(sourceSeriesUid: string): string {
  return deriveUid(FRAME_OF_REFERENCE_NAMESPACE, sourceSeriesUid);
}

function refuse(message: string): never {
  throw new ConformanceError('PACS_E_DERIVE_KIND_UNSUPPORTED', message);
}

/**
 * The one builder for grayscale derived CT and MR images (derived-dicom.md §3.1): the source's IOD
 * (CT Image Storage for CT, MR Image Storage for MR), luminance of the enhanced RGB mapped back
 * into the value range of the window it was rendered with, Image Type DERIVED\SECONDARY, geometry
 * and Frame of Reference of the source, a default window with its explanation. The values are not
 * Hounsfield units any more: CT says so with Rescale Type US (unspecified), MR has no rescale.
 */
export class GrayscaleImageBuilder {
  static create(p: GrayscaleParams): Dataset {
    validateDerivedBase(p);
    const isCt = p.sopClassUid === CT_IMAGE_STORAGE;
    if (!isCt && p.sopClassUid !== MR_IMAGE_STORAGE) invalid('grayscale derived images are CT or MR Image Storage');
    if (p.modality !== (isCt ? 'CT' : 'MR')) invalid(`Modality ${p.modality} does not match the ${isCt ? 'CT' : 'MR'} IOD`);
    if (!Number.isInteger(p.rows) || !Number.isInteger(p.columns) || p.rows < 1 || p.columns < 1 || p.rows > 0xffff || p.columns > 0xffff) {
      invalid(`image size ${p.columns}×${p.rows} outside 1…65535`);
    }
    if (p.pixels.length !== p.rows * p.columns) invalid(`pixel data has ${p.pixels.length} values, Rows × Columns = ${p.rows * p.columns}`);
    const e = p.encoding;
    if (e.bitsStored < (isCt ? 12 : 8) || e.bitsStored > 16) invalid(`Bits Stored ${e.bitsStored} not allowed for this IOD`);
    if (isCt && !e.rescale) invalid('CT Image needs Rescale Slope/Intercept (PS3.3 C.8.2.1)');
    if (!isCt && e.rescale) invalid('the MR Image IOD has no Modality LUT: store output values directly');
    if (e.rescale && (e.rescale.type === 'HU' || !/^[A-Z0-9_ ]{1,16}$/.test(e.rescale.type))) invalid('derived values are not HU: Rescale Type must say what they are');
    if (!(e.window.width >= 1)) invalid(`Window Width ${e.window.width} must be ≥ 1`);
    for (const kw of ['FrameOfReferenceUID', 'ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing']) {
      if (p.geometry[kw] === undefined || p.geometry[kw] === '') invalid(`${kw} is required by the Image Plane / Frame of Reference modules`);
    }
    if (!isCt) for (const kw of TYPE1_MR) if (stringValue(p.acquisition[kw]) === undefined) invalid(`${kw} is Type 1 in the MR Image module`);
    const max = e.pixelRepresentation === 1 ? 2 ** (e.bitsStored - 1) - 1 : 2 ** e.bitsStored - 1;
    const min = e.pixelRepresentation === 1 ? -(2 ** (e.bitsStored - 1)) : 0;
    for (const v of p.pixels) if (v < min || v > max) invalid(`stored value ${v} outside ${min}…${max}`);

    const pixelBytes = new Uint8Array(p.pixels.buffer.slice(p.pixels.byteOffset, p.pixels.byteOffset + p.pixels.byteLength));
    const dataset: Dataset = {
      ...derivedBaseAttributes(p),
      PatientPosition: p.patientPosition,
      PatientOrientation: p.patientOrientation,
      // Frame of Reference (C.7.4.1) + Image Plane (C.7.6.2): the source's, spatial locations kept
      ...p.geometry,
      ...p.acquisition,
      // Image Pixel (C.7.6.3) with the CT/MR constraints (C.8.2.1.1.x, C.8.3.1.1.x)
      SamplesPerPixel: 1,
      PhotometricInterpretation: e.photometricInterpretation,
      Rows: p.rows,
      Columns: p.columns,
      BitsAllocated: 16,
      BitsStored: e.bitsStored,
      HighBit: e.bitsStored - 1,
      PixelRepresentation: e.pixelRepresentation,
      // VOI LUT (C.11.2): the window the values came from, as the default
      WindowCenter: decimalString(e.window.center),
      WindowWidth: decimalString(e.window.width),
      WindowCenterWidthExplanation: fitText(e.window.explanation, 'LO'),
      PixelData: [pixelBytes.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    if (e.rescale) {
      dataset.RescaleIntercept = decimalString(e.rescale.intercept);
      dataset.RescaleSlope = decimalString(e.rescale.slope);
      dataset.RescaleType = e.rescale.type;
    }
    ensureCharacterSet(dataset);
    return dataset;
  }

  /**
   * One grayscale derived CT or MR image for one single-frame source image. Refuses
   * (PACS_E_DERIVE_KIND_UNSUPPORTED) sources that are not CT/MR Image Storage or not grayscale,
   * and images whose grid differs from the source's (the geometry would no longer be true).
   */
  static fromSource(source: Dataset, image: RgbImage, options: GrayscaleFromSourceOptions): Dataset {
    const id = sourceIdentity(source);
    if (id.sopClassUid !== CT_IMAGE_STORAGE && id.sopClassUid !== MR_IMAGE_STORAGE) {
      refuse(`output derived-grayscale needs CT or MR Image Storage sources (or Enhanced CT/MR, built whole); ${id.sopClassUid} (${id.modality}) is none of them`);
    }
    const photometric = stringValue(source.PhotometricInterpretation);
    if ((photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') || !options.window) {
      refuse(`output derived-grayscale needs a grayscale source; this one is ${photometric ?? 'without Photometric Interpretation'}`);
    }
    if (frameCount(source) > 1) {
      refuse(`output derived-grayscale needs single-frame CT/MR Image Storage or Enhanced CT/MR Image Storage sources; this ${id.sopClassUid} object has ${frameCount(source)} frames`);
    }
    if (Number(source.Rows) !== image.height || Number(source.Columns) !== image.width) {
      invalid('the derived image grid differs from the source: its geometry would not be true');
    }
    const isCt = id.sopClassUid === CT_IMAGE_STORAGE;
    const window = options.window;
    const invert = photometric === 'MONOCHROME1';
    const grey = displayGrey(image, invert);
    const map = windowInverse(window);
    let encoding: GrayscaleEncoding;
    let pixels: Uint16Array | Int16Array;
    const explanation = windowExplanation(window);
    if (isCt) {
      // Stored 0…255 (display value, un-inverted); Rescale maps them onto the window's range.
      pixels = grey;
      encoding = {
        photometricInterpretation: photometric,
        bitsStored: 12,
        pixelRepresentation: 0,
        rescale: { slope: map.slope, intercept: map.intercept, type: 'US' },
        window: { center: window.center, width: window.width, explanation },
      };
    } else {
      // MR has no Modality LUT: the stored values are the window-range values themselves.
      const lo = Math.round(map.intercept);
      const signed = lo < 0;
      pixels = signed ? new Int16Array(grey.length) : new Uint16Array(grey.length);
      const [min, max] = signed ? [-32768, 32767] : [0, 65535];
      for (let i = 0; i < grey.length; i++) {
        const v = Math.round(map.intercept + grey[i]! * map.slope);
        pixels[i] = Math.min(max, Math.max(min, v));
      }
      encoding = {
        photometricInterpretation: photometric,
        bitsStored: 16,
        pixelRepresentation: signed ? 1 : 0,
        window: { center: window.center, width: window.width, explanation },
      };
    }

    const geometry = geometryFor(source, undefined);
    if (geometry.FrameOfReferenceUID === undefined) geometry.FrameOfReferenceUID = replacementFrameOfReference(id.seriesUid);
    if (geometry.PositionReferenceIndicator === undefined) geometry.PositionReferenceIndicator = '';
    if (geometry.SliceThickness === undefined) geometry.SliceThickness = '';

    const acquisition = pickAttributes(source, [...(isCt ? CT_ACQUISITION : MR_ACQUISITION), ...CONTRAST_BOLUS]);
    for (const kw of TYPE2[isCt ? 'CT' : 'MR']!) if (acquisition[kw] === undefined) acquisition[kw] = '';
    const imageType3 = Array.isArray(source.ImageType) && typeof source.ImageType[2] === 'string' && source.ImageType[2] ? source.ImageType[2] : isCt ? 'AXIAL' : 'OTHER';
    const base = baseParamsFromSource(source, [sourceImageRef(id, 'YES')], {
      ...options,
      sopClassUid: id.sopClassUid,
      imageTypeValue3: imageType3,
      instanceNumber: sourceInstanceNumber(source),
    });
    return GrayscaleImageBuilder.create({
      ...base,
      geometry,
      patientPosition: stringValue(source.PatientPosition) ?? '',
      patientOrientation: patientOrientationFor(source, geometry),
      acquisition,
      encoding,
      rows: image.height,
      columns: image.width,
      pixels,
    });
  }
}
