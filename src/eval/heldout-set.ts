/**
 * The committed held-out image set (src/eval/fixtures/heldout/): clean 8-bit images the embedded
 * prior never trained on, listed in index.json with their modality and provenance
 * (fixtures/heldout/README.md). Made by src/eval/make-heldout.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { EngineImage } from '../enhance/image-planes.js';

export const HELDOUT_DIR = join(import.meta.dirname, 'fixtures', 'heldout');

/** What the routing rules see of an image: enough of a header to pick the modality's preset. */
export interface EvalHeader {
  Modality: string;
  PhotometricInterpretation: 'MONOCHROME2' | 'RGB';
}

export interface HeldoutEntry {
  name: string;
  file: string;
  header: EvalHeader;
  source: string;
  /** Included in the CI quality gate's subset. */
  gate: boolean;
}

/** A clean image for the evaluation (held-out fixture or rendered sample study). */
export interface EvalImage {
  name: string;
  set: 'sample' | 'heldout';
  header: EvalHeader;
  /** Window applied when rendering a DICOM source, for the report. */
  window?: string;
  image: EngineImage;
}

export async function readHeldoutIndex(dir = HELDOUT_DIR): Promise<HeldoutEntry[]> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as HeldoutEntry[];
}

/** Decode a PNG as gray (one channel) or RGB. */
export async function readPngImage(path: string, rgb: boolean): Promise<EngineImage> {
  const pipeline = sharp(path).removeAlpha();
  const { data, info } = await (rgb ? pipeline.toColourspace('srgb') : pipeline.extractChannel(0)).raw().toBuffer({ resolveWithObject: true });
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return rgb ? { width: info.width, height: info.height, data: bytes } : { width: info.width, height: info.height, gray: bytes };
}

/** Load the held-out images (optionally only the gate subset). */
export async function loadHeldoutSet(opts: { gateOnly?: boolean; dir?: string } = {}): Promise<EvalImage[]> {
  const dir = opts.dir ?? HELDOUT_DIR;
  const entries = (await readHeldoutIndex(dir)).filter((e) => !opts.gateOnly || e.gate);
  const out: EvalImage[] = [];
  for (const e of entries) {
    out.push({ name: e.name, set: 'heldout', header: e.header, image: await readPngImage(join(dir, e.file), e.header.PhotometricInterpretation === 'RGB') });
  }
  return out;
}
