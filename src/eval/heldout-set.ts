/**
 * The committed evaluation image sets: clean 8-bit PNGs listed in an index.json with their
 * modality, window and provenance. The held-out set (src/eval/fixtures/heldout/, made by
 * make-heldout.ts) is only for the final report and the CI gate; the development set
 * (fixtures/dev/, make-dev-set.ts, loaded by dev-set.ts) is for tuning. The two share no image,
 * seed or slice position (fixtures/dev/README.md, fixtures/heldout/README.md).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';

export const HELDOUT_DIR = join(import.meta.dirname, 'fixtures', 'heldout');

/** What the routing rules see of an image: enough of a header to pick the modality's preset. */
export interface EvalHeader {
  Modality: string;
  PhotometricInterpretation: 'MONOCHROME2' | 'RGB';
}

/** The VOI window a CT image was rendered with, in HU (LINEAR, PS3.3 C.11.2.1.2.1). */
export interface EvalWindow {
  name: string;
  center: number;
  width: number;
}

/** Where a set image came from, so that sets can be checked for overlap. */
export type ImageOrigin =
  | { generator: 'phantom-ct'; t: number; seed: number }
  | { generator: 'phantom-mr'; t: number; seed: number }
  | { generator: 'endoscopy'; seed: number }
  | { generator: 'dicom'; file: string };

export interface EvalSetEntry {
  name: string;
  file: string;
  header: EvalHeader;
  source: string;
  origin: ImageOrigin;
  /** CT only: the window the 8-bit image was made with (low-dose-ct maps back to HU with it). */
  window?: EvalWindow;
  /** Included in the CI quality gate's subset (held-out only). */
  gate: boolean;
}

/** A clean image for the evaluation (development or held-out fixture, or rendered sample study). */
export interface EvalImage {
  name: string;
  set: 'sample' | 'dev' | 'heldout';
  header: EvalHeader;
  /** Name of the window applied when rendering, for the report. */
  window?: string;
  /** CT: the window in HU, for degradations that need HU (low-dose-ct). */
  voiWindow?: EvalWindow;
  image: EngineImage;
}

export async function readHeldoutIndex(dir = HELDOUT_DIR): Promise<EvalSetEntry[]> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as EvalSetEntry[];
}

/** Decode a PNG as gray (one channel) or RGB. */
export async function readPngImage(path: string, rgb: boolean): Promise<EngineImage> {
  const pipeline = sharp(path).removeAlpha();
  const { data, info } = await (rgb ? pipeline.toColourspace('srgb') : pipeline.extractChannel(0)).raw().toBuffer({ resolveWithObject: true });
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return rgb ? { width: info.width, height: info.height, data: bytes } : { width: info.width, height: info.height, gray: bytes };
}

/** Load the images of a set folder (optionally only its gate subset). */
export async function loadEvalSet(dir: string, set: EvalImage['set'], opts: { gateOnly?: boolean } = {}): Promise<EvalImage[]> {
  const entries = (await readHeldoutIndex(dir)).filter((e) => !opts.gateOnly || e.gate);
  const out: EvalImage[] = [];
  for (const e of entries) {
    const image = await readPngImage(join(dir, e.file), e.header.PhotometricInterpretation === 'RGB');
    out.push({ name: e.name, set, header: e.header, ...(e.window ? { window: e.window.name, voiWindow: e.window } : {}), image });
  }
  return out;
}

/** Load the held-out images (optionally only the gate subset). */
export async function loadHeldoutSet(opts: { gateOnly?: boolean; dir?: string } = {}): Promise<EvalImage[]> {
  return loadEvalSet(opts.dir ?? HELDOUT_DIR, 'heldout', opts);
}

async function writePng(img: EngineImage, path: string): Promise<void> {
  const channels = isGrayImage(img) ? 1 : 3;
  const bytes = isGrayImage(img) ? img.gray : img.data;
  await sharp(Buffer.from(bytes), { raw: { width: img.width, height: img.height, channels } }).png({ compressionLevel: 9 }).toFile(path);
}

/** Write a set folder: one PNG per image (`<name>.png`) and index.json. */
export async function writeEvalSet(dir: string, items: ReadonlyArray<{ entry: Omit<EvalSetEntry, 'file'>; image: EngineImage }>): Promise<EvalSetEntry[]> {
  await mkdir(dir, { recursive: true });
  const index: EvalSetEntry[] = [];
  for (const { entry, image } of items) {
    const file = `${entry.name}.png`;
    await writePng(image, join(dir, file));
    index.push({ ...entry, file });
  }
  await writeFile(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}
