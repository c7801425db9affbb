/**
 * The low-dose CT sample series: contiguous 512² axial slices of the upper-abdomen anatomy
 * (abdomen-anatomy.ts) with tissue texture, slice-thickness partial volume and the scanner's
 * point-spread function, plus projection-domain quantum noise (ct-projection-noise.ts) whose
 * photon count is calibrated once per series to a target σ in the liver. CT Image Storage
 * (PS3.3 A.3), 16-bit signed, HU = stored − 1024.
 */
import { abdomenAt } from './abdomen-anatomy.js';
import { TISSUE_CT } from './abdomen-tissue.js';
import { huToMu, lowDoseNoiseHu, photonsForNoise, type ScanGrid } from './ct-projection-noise.js';
import { decimalString } from './decimal-string.js';
import { grey16PixelModule } from './image-pixel-module.js';
import type { Dataset } from './part10.js';
import { CT_IMAGE_STORAGE } from './image-sop-classes.js';
import { blurRaster, smoothField } from './sample-raster.js';
import {
  type AxialStack,
  axialPlaneAttributes,
  checkStackSize,
  pixelCentreMm,
  sampleCommonAttributes,
  type SampleIdentity,
  sampleUids,
  type SampleUids,
  sliceZ,
} from './sample-series.js';

const RESCALE_INTERCEPT = -1024;
/** Highest CT number a 12-bit detector chain reports (stored 4095). */
const MAX_HU = 3071;

export interface LowDoseCtOptions {
  /** Number of contiguous slices (default 8: keeps the CPU demo short). */
  slices?: number;
  /** Rows = columns (default 512). */
  size?: number;
  /** In-plane pixel size, mm (default 0.7: a 358 mm field of view at 512). */
  pixelMm?: number;
  /** Slice thickness = spacing, mm (default 3). */
  thicknessMm?: number;
  /** Target noise σ in the liver, HU (default 40: a low-dose scan). */
  noiseSdHu?: number;
  /** Views over 180° (default ⌈π/2 · size⌉). */
  views?: number;
  seed?: number;
}

export interface LowDoseCtSeries {
  identity: SampleIdentity;
  uids: SampleUids;
  stack: AxialStack;
  seed: number;
  views?: number;
  /** Unattenuated photons per ray that give the target noise (calibrated on the middle slice). */
  photons: number;
}

/** Liver region where the noise level is calibrated and reported: a 25 mm disc. */
export const LIVER_ROI = { x: -72, y: -12, r: 25 } as const;

/** Is pixel i (row-major) of the stack inside the liver calibration disc? */
export function inLiverRoi(stack: AxialStack): (i: number) => boolean {
  return (i) => {
    const p = pixelCentreMm(stack, i % stack.columns, Math.floor(i / stack.columns));
    return Math.hypot(p.x - LIVER_ROI.x, p.y - LIVER_ROI.y) <= LIVER_ROI.r;
  };
}

/**
 * Noise-free CT numbers of slice `index`: tissue classes sampled at three depths within the
 * slice (partial volume), each tissue's texture added, then a Gaussian point-spread function of
 * 0.45 mm σ (a standard soft-tissue kernel). Air outside the body stays −1000.
 */
export function cleanAbdomenHu(stack: AxialStack, index: number, seed: number): Float32Array {
  const { rows, columns, pixelMm } = stack;
  const textures = new Map<number, Float32Array>();
  const textureOf = (mm: number) => {
    let f = textures.get(mm);
    if (!f) textures.set(mm, (f = smoothField(columns, rows, mm / pixelMm, (seed * 7919 + index * 31 + Math.round(mm * 10)) >>> 0)));
    return f;
  };
  const z = sliceZ(stack, index);
  const depths = [-1 / 3, 0, 1 / 3].map((f) => abdomenAt(z + f * stack.thicknessMm));
  const hu = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < columns; col++) {
      const { x, y } = pixelCentreMm(stack, col, row);
      const i = row * columns + col;
      let sum = 0;
      for (const at of depths) {
        const t = TISSUE_CT[at(x, y)];
        sum += t.hu + (t.textureHu > 0 ? t.textureHu * textureOf(t.textureMm)[i] : 0);
      }
      hu[i] = sum / depths.length;
    }
  }
  return blurRaster(hu, columns, rows, 0.45 / pixelMm);
}

function scanGrid(stack: AxialStack): ScanGrid {
  if (stack.rows !== stack.columns) throw new RangeError('the CT sample needs square slices');
  return { size: stack.rows, pixelMm: stack.pixelMm };
}

function attenuation(hu: Float32Array): Float32Array {
  return Float32Array.from(hu, huToMu);
}

/** Fixes identity, geometry and the photon count of a low-dose CT sample series. */
export function createLowDoseCtSeries(o: LowDoseCtOptions = {}): LowDoseCtSeries {
  const size = o.size ?? 512;
  const slices = o.slices ?? 8;
  const seed = o.seed ?? 1;
  checkStackSize(size, slices, 32, 2048);
  const thicknessMm = o.thicknessMm ?? 3;
  const stack: AxialStack = { rows: size, columns: size, pixelMm: o.pixelMm ?? 358.4 / size, thicknessMm, spacingMm: thicknessMm, firstZ: 0 };
  const identity: SampleIdentity = {
    key: `ct-lowdose-abdomen-${size}-${slices}`,
    seed,
    patientName: 'Demo^CT',
    patientId: `DEMO-CT-${seed}`,
    patientSex: 'O',
    modality: 'CT',
    sopClassUid: CT_IMAGE_STORAGE,
    studyDescription: 'CT abdomen low dose (synthetic demo)',
    seriesDescription: `Low-dose abdomen ${decimalString(thicknessMm)} mm`,
    seriesNumber: 2,
    date: '20240115',
    time: '093000',
    model: 'synthetic low-dose CT',
    bodyPart: 'ABDOMEN',
  };
  const middle = Math.floor((slices - 1) / 2);
  const mu = attenuation(cleanAbdomenHu(stack, middle, seed));
  const photons = photonsForNoise(mu, scanGrid(stack), inLiverRoi(stack), o.noiseSdHu ?? 40, seed * 977 + 1, 1e5);
  return { identity, uids: sampleUids(identity), stack, seed, views: o.views, photons };
}

/** Noisy CT numbers of slice `index`, clipped to the scanner's range; −1024 outside the reconstruction circle. */
export function lowDoseCtHu(series: LowDoseCtSeries, index: number): Float32Array {
  const { stack, seed } = series;
  const clean = cleanAbdomenHu(stack, index, seed);
  const noise = lowDoseNoiseHu(attenuation(clean), scanGrid(stack), { photons: series.photons, views: series.views, seed: seed * 100_003 + index });
  const out = new Float32Array(clean.length);
  const radius = (stack.rows * stack.pixelMm) / 2;
  for (let i = 0; i < out.length; i++) {
    const p = pixelCentreMm(stack, i % stack.columns, Math.floor(i / stack.columns));
    out[i] = Math.hypot(p.x, p.y) > radius ? RESCALE_INTERCEPT : Math.min(MAX_HU, Math.max(RESCALE_INTERCEPT, clean[i] + noise[i]));
  }
  return out;
}

/** One slice as a naturalized CT Image Storage data set (PS3.3 A.3), Explicit VR Little Endian ready. */
export function lowDoseCtDataset(series: LowDoseCtSeries, index: number, hu = lowDoseCtHu(series, index)): Dataset {
  const { stack } = series;
  const stored = new Int16Array(hu.length);
  for (let i = 0; i < hu.length; i++) stored[i] = Math.round(hu[i] - RESCALE_INTERCEPT);
  return {
    ...sampleCommonAttributes(series.identity, series.uids, index),
    ...axialPlaneAttributes(stack, series.uids, index),
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    AcquisitionNumber: 1,
    KVP: '120',
    XRayTubeCurrent: 30,
    ExposureTime: 500,
    Exposure: 15,
    CTDIvol: '1.2',
    CTDIPhantomTypeCodeSequence: [{ CodeValue: '113691', CodingSchemeDesignator: 'DCM', CodeMeaning: 'IEC Body Dosimetry Phantom' }],
    ConvolutionKernel: 'STANDARD',
    DataCollectionDiameter: '500',
    ReconstructionDiameter: decimalString(stack.rows * stack.pixelMm),
    GantryDetectorTilt: '0',
    TableHeight: '150',
    RotationDirection: 'CW',
    ...grey16PixelModule(stack.columns, stack.rows, 16, true),
    RescaleIntercept: String(RESCALE_INTERCEPT),
    RescaleSlope: '1',
    RescaleType: 'HU',
    WindowCenter: ['40', '60'],
    WindowWidth: ['400', '160'],
    WindowCenterWidthExplanation: ['ABDOMEN', 'LIVER'],
    PixelData: stored.buffer,
    _vrMap: { PixelData: 'OW' },
  };
}
