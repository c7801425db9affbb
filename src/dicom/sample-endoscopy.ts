/**
 * The endoscopy sample frame: the colon scene (endoscopy-scene.ts) through a lens with strong
 * vignetting and a small colour sensor: underexposed, shot noise (Poisson electrons) plus read
 * noise per channel, demosaicing blur, BT.709 transfer curve, 8-bit, a black mask outside the
 * image circle. VL Endoscopic Image Storage (PS3.3 A.32.1), RGB colour-by-pixel.
 */
import { VL_ENDOSCOPIC_IMAGE_STORAGE } from './image-sop-classes.js';
import type { Dataset } from './part10.js';
import { randomSource } from './phantom-anatomy.js';
import { rgbImagePixelModule } from './image-pixel-module.js';
import { colonRadiance, SCENE } from './endoscopy-scene.js';
import { blurRaster, gaussianSource, poissonDraw } from './sample-raster.js';
import { sampleCommonAttributes, type SampleIdentity, sampleUids, type SampleUids } from './sample-series.js';

export interface EndoscopySampleOptions {
  /** Frame size (default 640 × 480). */
  width?: number;
  height?: number;
  /** Linear signal of the brightest diffuse mucosa (default 0.3: about 1¾ stops under). */
  exposure?: number;
  /** Electrons at full scale (default 900: a small endoscope sensor) and read noise (default 3). */
  fullWellElectrons?: number;
  readNoiseElectrons?: number;
  seed?: number;
}

/** 8-bit RGB, row-major, colour-by-pixel. */
export interface Rgb8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** ITU-R BT.709 opto-electronic transfer function, linear 0…1 → signal 0…1. */
export function bt709(l: number): number {
  const v = Math.min(1, Math.max(0, l));
  return v < 0.018 ? 4.5 * v : 1.099 * v ** 0.45 - 0.099;
}

/** Lens vignetting at normalised image radius r (1 = edge of the image circle). */
export function vignetting(r: number): number {
  return Math.max(0, 1 - 0.62 * r ** 2.2);
}

/** The sample frame: scene → vignetting → exposure → electrons + read noise → demosaic blur → BT.709 → 8 bits. */
export function endoscopyFrame(o: EndoscopySampleOptions = {}): Rgb8 {
  const width = o.width ?? 640;
  const height = o.height ?? 480;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new RangeError(`frame ${width}×${height} outside 16…4096`);
  }
  const seed = o.seed ?? 1;
  const exposure = o.exposure ?? 0.3;
  const fullWell = o.fullWellElectrons ?? 900;
  const read = o.readNoiseElectrons ?? 3;
  const scene = colonRadiance(width, height, seed);
  const rand = randomSource(seed * 31 + 7);
  const gauss = gaussianSource(seed * 37 + 11);
  const half = height / 2;
  const planes = [0, 1, 2].map(() => new Float32Array(width * height));
  const radius = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const r = Math.hypot((x + 0.5 - width / 2) / half, (y + 0.5 - half) / half) / SCENE.circle;
      radius[i] = r;
      const gain = vignetting(r) * exposure;
      for (let c = 0; c < 3; c++) {
        const electrons = poissonDraw(scene.data[3 * i + c] * gain * fullWell, rand, gauss) + read * gauss();
        planes[c][i] = electrons / fullWell;
      }
    }
  }
  const blurred = planes.map((p) => blurRaster(p, width, height, 0.6));
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < radius.length; i++) {
    const mask = Math.min(1, Math.max(0, (1 - radius[i]) * half)); // one-pixel soft edge of the image circle
    for (let c = 0; c < 3; c++) data[3 * i + c] = Math.round(255 * mask * bt709(blurred[c][i]));
  }
  return { width, height, data };
}

export interface EndoscopySample {
  identity: SampleIdentity;
  uids: SampleUids;
}

/** Identity of the endoscopy sample series. */
export function createEndoscopySample(seed = 1): EndoscopySample {
  const identity: SampleIdentity = {
    key: 'es-colon',
    seed,
    patientName: 'Demo^Endoscopy',
    patientId: `DEMO-ES-${seed}`,
    patientSex: 'O',
    modality: 'ES',
    sopClassUid: VL_ENDOSCOPIC_IMAGE_STORAGE,
    studyDescription: 'Colonoscopy (synthetic demo)',
    seriesDescription: 'Colonoscopy still, white light',
    seriesNumber: 4,
    date: '20240129',
    time: '104500',
    model: 'synthetic video colonoscope',
    bodyPart: 'COLON',
  };
  return { identity, uids: sampleUids(identity) };
}

/** One frame as a naturalized VL Endoscopic Image data set (PS3.3 A.32.1: VL Image module C.8.12.1). */
export function endoscopyDataset(sample: EndoscopySample, frame: Rgb8, index = 0): Dataset {
  if (frame.data.length !== frame.width * frame.height * 3) throw new RangeError('frame data is not width × height × 3 bytes');
  const pixels = new Uint8Array(frame.data.length + (frame.data.length % 2));
  pixels.set(frame.data);
  return {
    ...sampleCommonAttributes(sample.identity, sample.uids, index),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    PatientOrientation: '',
    AcquisitionContextSequence: [],
    ...rgbImagePixelModule(frame.width, frame.height),
    LossyImageCompression: '00',
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
}
