/**
 * Clean slices and their degraded copies for the quality gate and preset tuning: windowed
 * CT_small and MR_small (pydicom test files, via the render stage) and two synthetic CT phantom
 * slices, each darkened, flattened (low contrast) and unevenly lit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPart10 } from '../../src/dicom/part10.js';
import { phantomSlice } from '../../src/dicom/phantom-anatomy.js';
import type { GrayImage } from '../../src/enhance/image-planes.js';
import { renderDicom } from '../../src/render/render-dicom.js';
import { DEGRADATION_KINDS, gaussianBlur, type DegradationKind } from '../../src/eval/degradations.js';

export type { DegradationKind };
/** The evaluation's kinds; the development set degrades with its own parameters (below). */
export const DEGRADATIONS = DEGRADATION_KINDS;

export interface QualityCase {
  name: string;
  kind: DegradationKind;
  clean: GrayImage;
  degraded: GrayImage;
}

const STUDIES = join(import.meta.dirname, '..', '..', 'sample-studies');

async function renderGray(path: string, window: string): Promise<GrayImage> {
  const file = readPart10(readFileSync(path));
  const [frame] = await renderDicom(file, window);
  const { width, height, data } = frame!.image;
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = data[3 * i]!;
  return { width, height, gray };
}

/** A phantom slice in a soft-tissue window (40/400 HU), 8-bit. */
export function phantomGray(size: number, t: number, seed: number): GrayImage {
  const hu = phantomSlice({ rows: size, columns: size, t, noise: 8, seed, outsideFovHu: undefined });
  const gray = new Uint8Array(size * size);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.max(0, Math.min(255, Math.round(((hu[i]! - (40 - 200)) / 400) * 255)));
  return { width: size, height: size, gray };
}

/** The clean slices available here (sample studies may be absent in a partial checkout). */
export async function cleanSlices(): Promise<Array<{ name: string; image: GrayImage }>> {
  const out: Array<{ name: string; image: GrayImage }> = [];
  const ct = join(STUDIES, 'ct-small', 'CT_small.dcm');
  const mr = join(STUDIES, 'mr-small', 'MR_small.dcm');
  if (existsSync(ct)) out.push({ name: 'ct-small', image: await renderGray(ct, 'file') });
  if (existsSync(mr)) out.push({ name: 'mr-small', image: await renderGray(mr, 'file') });
  out.push({ name: 'phantom-256-a', image: phantomGray(256, 0.35, 5) });
  out.push({ name: 'phantom-320-b', image: phantomGray(320, 0.7, 9) });
  return out;
}

/** Degrade an 8-bit slice; deterministic. */
export function degrade(img: GrayImage, kind: DegradationKind): GrayImage {
  // A different σ from the evaluation's 1.5, so tuning does not fit the gate's exact degradation.
  if (kind === 'blur') return gaussianBlur(img, 1.2);
  const { width, height } = img;
  const gray = new Uint8Array(img.gray.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = img.gray[i]! / 255;
      let d: number;
      if (kind === 'low-light') d = 0.45 * Math.pow(v, 1.6);
      else if (kind === 'low-contrast') d = 0.5 + 0.3 * (v - 0.5);
      else d = v * (0.2 + 0.8 * (x / Math.max(1, width - 1)) * (0.6 + 0.4 * (y / Math.max(1, height - 1))));
      gray[i] = Math.max(0, Math.min(255, Math.round(d * 255)));
    }
  }
  return { width, height, gray };
}

export async function qualityCases(): Promise<QualityCase[]> {
  const cases: QualityCase[] = [];
  for (const { name, image } of await cleanSlices()) {
    for (const kind of DEGRADATIONS) cases.push({ name, kind, clean: image, degraded: degrade(image, kind) });
  }
  return cases;
}
