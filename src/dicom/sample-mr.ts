/**
 * The MR sample series: axial T2-weighted fast spin-echo slices of the head anatomy
 * (brain-anatomy.ts) with slice-profile partial volume, a smooth receive-coil bias field and
 * Rician noise (the magnitude of a complex signal with Gaussian noise in both channels, as a
 * magnitude reconstruction produces). MR Image Storage (PS3.3 A.4), 12 bits stored.
 */
import { MR_IMAGE_STORAGE } from './image-sop-classes.js';
import { BrainTissue, brainTissue, T2_SIGNAL } from './brain-anatomy.js';
import { decimalString } from './decimal-string.js';
import { grey16PixelModule } from './image-pixel-module.js';
import type { Dataset } from './part10.js';
import { blurRaster, gaussianSource } from './sample-raster.js';
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

/** Stored value of signal 1 (CSF without bias); 12 bits stored leaves headroom for bias and noise. */
const FULL_SCALE = 2000;

export interface MrSampleOptions {
  /** Number of slices (default 10). */
  slices?: number;
  /** Rows = columns (default 256). */
  size?: number;
  /** In-plane pixel size, mm (default 0.9: a 230 mm field of view at 256). */
  pixelMm?: number;
  /** Slice thickness (default 5) and centre-to-centre spacing (default 6: a 1 mm gap), mm. */
  thicknessMm?: number;
  spacingMm?: number;
  /** Signal-to-noise ratio of white matter before the bias field (default 10). */
  snr?: number;
  /** Peak-to-peak strength of the bias field (default 0.45: ±22 %). */
  bias?: number;
  seed?: number;
}

export interface MrSampleSeries {
  identity: SampleIdentity;
  uids: SampleUids;
  stack: AxialStack;
  seed: number;
  /** Noise σ in signal units (white matter = 0.4). */
  sigma: number;
  bias: number;
}

/** Fixes identity and geometry of an MR sample series. */
export function createMrSampleSeries(o: MrSampleOptions = {}): MrSampleSeries {
  const size = o.size ?? 256;
  const slices = o.slices ?? 10;
  checkStackSize(size, slices, 16, 1024);
  const snr = o.snr ?? 10;
  if (!(snr > 0)) throw new RangeError('snr must be positive');
  const thicknessMm = o.thicknessMm ?? 5;
  const spacingMm = o.spacingMm ?? 6;
  const stack: AxialStack = { rows: size, columns: size, pixelMm: o.pixelMm ?? 230.4 / size, thicknessMm, spacingMm, firstZ: 48 };
  const seed = o.seed ?? 1;
  const identity: SampleIdentity = {
    key: `mr-brain-t2-${size}-${slices}`,
    seed,
    patientName: 'Demo^MR',
    patientId: `DEMO-MR-${seed}`,
    patientSex: 'O',
    modality: 'MR',
    sopClassUid: MR_IMAGE_STORAGE,
    studyDescription: 'MR brain (synthetic demo)',
    seriesDescription: 'Ax T2 FSE',
    seriesNumber: 3,
    date: '20240122',
    time: '141500',
    model: 'synthetic 3T MR',
    bodyPart: 'HEAD',
  };
  return { identity, uids: sampleUids(identity), stack, seed, sigma: T2_SIGNAL[BrainTissue.White] / snr, bias: o.bias ?? 0.45 };
}

/**
 * Receive-coil sensitivity at (x, y, z) mm: brighter towards the back and the left, falling off
 * towards the top of the head. Clinical assumption: a multichannel head coil without
 * intensity normalisation, ±20 % across the brain.
 */
export function biasField(x: number, y: number, z: number, strength: number): number {
  const g = 0.5 * Math.tanh((0.6 * x + 0.8 * y) / 90) - 0.25 * (z / 60) + 0.2 * Math.exp(-((x + 40) ** 2 + (y + 50) ** 2) / (2 * 45 ** 2));
  return Math.max(0.2, 1 + strength * g);
}

/** Noise-free T2 signal of slice `index`: 2 × 2 in-plane and 3 through-slice samples per pixel, then a 0.4-pixel blur (k-space window). */
export function cleanT2Signal(stack: AxialStack, index: number): Float32Array {
  const { rows, columns, pixelMm } = stack;
  const z = sliceZ(stack, index);
  const out = new Float32Array(rows * columns);
  const offsets = [-0.25, 0.25];
  const depths = [-1 / 3, 0, 1 / 3].map((f) => z + f * stack.thicknessMm);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < columns; col++) {
      const c = pixelCentreMm(stack, col, row);
      let sum = 0;
      for (const zz of depths) for (const oy of offsets) for (const ox of offsets) sum += T2_SIGNAL[brainTissue(c.x + ox * pixelMm, c.y + oy * pixelMm, zz)];
      out[row * columns + col] = sum / (depths.length * 4);
    }
  }
  return blurRaster(out, columns, rows, 0.4);
}

/** Biased, Rician-noisy signal of slice `index` (signal units: CSF ≈ 1). */
export function mrSignal(series: MrSampleSeries, index: number): Float32Array {
  const { stack } = series;
  const clean = cleanT2Signal(stack, index);
  const gauss = gaussianSource((series.seed * 65_537 + index * 101 + 17) >>> 0);
  const z = sliceZ(stack, index);
  const out = new Float32Array(clean.length);
  for (let i = 0; i < out.length; i++) {
    const p = pixelCentreMm(stack, i % stack.columns, Math.floor(i / stack.columns));
    const s = clean[i] * biasField(p.x, p.y, z, series.bias);
    out[i] = Math.hypot(s + series.sigma * gauss(), series.sigma * gauss());
  }
  return out;
}

/** One slice as a naturalized MR Image Storage data set (PS3.3 A.4), 16 bits allocated, 12 stored. */
export function mrSampleDataset(series: MrSampleSeries, index: number, signal = mrSignal(series, index)): Dataset {
  const { stack } = series;
  const stored = new Uint16Array(signal.length);
  for (let i = 0; i < stored.length; i++) stored[i] = Math.min(4095, Math.round(signal[i] * FULL_SCALE));
  return {
    ...sampleCommonAttributes(series.identity, series.uids, index),
    ...axialPlaneAttributes(stack, series.uids, index),
    ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'],
    AcquisitionNumber: 1,
    ScanningSequence: 'SE',
    SequenceVariant: ['SK', 'SP'],
    ScanOptions: '',
    MRAcquisitionType: '2D',
    SequenceName: 'fse2d',
    AngioFlag: 'N',
    RepetitionTime: '4000',
    EchoTime: '100',
    EchoTrainLength: '16',
    NumberOfAverages: '1',
    ImagingFrequency: '127.74',
    ImagedNucleus: '1H',
    EchoNumbers: '1',
    MagneticFieldStrength: '3',
    SpacingBetweenSlices: decimalString(stack.spacingMm),
    FlipAngle: '90',
    ReceiveCoilName: 'HEAD',
    ...grey16PixelModule(stack.columns, stack.rows, 12, false),
    WindowCenter: decimalString(0.55 * FULL_SCALE),
    WindowWidth: decimalString(1.1 * FULL_SCALE),
    PixelData: stored.buffer,
    _vrMap: { PixelData: 'OW' },
  };
}
