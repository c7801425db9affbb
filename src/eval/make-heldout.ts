/**
 * Writes the held-out set to src/eval/fixtures/heldout/ (PNG + index.json). Run once, commit the
 * output: `npx tsx src/eval/make-heldout.ts`. The CT head slice comes from pydicom's
 * J2K_pixelrep_mismatch.dcm (decoded by pydicom, windowed by the node's VOI code); the rest is synthetic
 * (synthetic-slices.ts). See fixtures/heldout/README.md for why none of it is in the prior's
 * training data.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import { applyWindow, CT_WINDOW_PRESETS } from '../render/index.js';
import { HELDOUT_DIR, type HeldoutEntry } from './heldout-set.js';
import { endoscopyLikeRgb, phantomCtGray, phantomMrGray } from './synthetic-slices.js';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

async function writePng(img: EngineImage, path: string): Promise<void> {
  const channels = isGrayImage(img) ? 1 : 3;
  const bytes = isGrayImage(img) ? img.gray : img.data;
  await sharp(Buffer.from(bytes), { raw: { width: img.width, height: img.height, channels } }).png({ compressionLevel: 9 }).toFile(path);
}

/**
 * HU of the head CT slice. dcmjs refuses its ISO 2022 character sets, so pydicom decodes it
 * (stored values × slope + intercept, as PS3.3 C.11.1.1.2) and the node's VOI window does the rest.
 */
function headCtHu(): { hu: Float32Array; width: number; height: number } {
  const script = [
    'import sys, pydicom, numpy as np',
    `d = pydicom.dcmread('${join(PYDICOM, 'J2K_pixelrep_mismatch.dcm')}')`,
    'hu = d.pixel_array.astype(np.float32) * float(d.get("RescaleSlope", 1)) + float(d.get("RescaleIntercept", 0))',
    'sys.stdout.buffer.write(np.array(hu.shape, np.int32).tobytes() + hu.tobytes())',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script], { maxBuffer: 64 << 20 });
  const [height, width] = [out.readInt32LE(0), out.readInt32LE(4)];
  const hu = new Float32Array(out.buffer.slice(out.byteOffset + 8, out.byteOffset + 8 + 4 * width * height));
  return { hu, width, height };
}

async function ctHead(windowName: string, size: number): Promise<EngineImage> {
  const { hu, width, height } = headCtHu();
  const gray = applyWindow(hu, CT_WINDOW_PRESETS[windowName]!);
  const { data: small } = await sharp(Buffer.from(gray), { raw: { width, height, channels: 1 } })
    .resize(size, size, { kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: size, height: size, gray: new Uint8Array(small) };
}

const CT = { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' } as const;
const MR = { Modality: 'MR', PhotometricInterpretation: 'MONOCHROME2' } as const;
const ES = { Modality: 'ES', PhotometricInterpretation: 'RGB' } as const;

async function main(): Promise<void> {
  await mkdir(HELDOUT_DIR, { recursive: true });
  const items: Array<{ entry: Omit<HeldoutEntry, 'file'>; image: EngineImage }> = [
    { entry: { name: 'ct-head-soft', header: CT, gate: true, source: `pydicom test file J2K_pixelrep_mismatch.dcm (head CT), soft-tissue window 40/400, 512² → 128²` }, image: await ctHead('soft-tissue', 128) },
    { entry: { name: 'ct-head-brain', header: CT, gate: false, source: `pydicom test file J2K_pixelrep_mismatch.dcm (head CT), brain window 40/80, 512² → 256²` }, image: await ctHead('brain', 256) },
    { entry: { name: 'phantom-ct-thorax', header: CT, gate: true, source: 'src/dicom/phantom-anatomy.ts slice t=0.25 seed 2101, 128², soft-tissue window' }, image: phantomCtGray({ rows: 128, columns: 128, t: 0.25, seed: 2101 }) },
    { entry: { name: 'phantom-ct-abdomen', header: CT, gate: false, source: 'src/dicom/phantom-anatomy.ts slice t=0.85 seed 2102, 192×256, soft-tissue window' }, image: phantomCtGray({ rows: 192, columns: 256, t: 0.85, seed: 2102 }) },
    { entry: { name: 'phantom-ct-lung', header: CT, gate: false, source: 'src/dicom/phantom-anatomy.ts slice t=0.45 seed 2103, 256², lung window -600/1500' }, image: phantomCtGray({ rows: 256, columns: 256, t: 0.45, seed: 2103 }, 'lung') },
    { entry: { name: 'phantom-mr-t1', header: MR, gate: true, source: 'phantom anatomy with T1-like tissue intensities (synthetic-slices.ts) t=0.55 seed 2201, 128²' }, image: phantomMrGray({ rows: 128, columns: 128, t: 0.55, seed: 2201 }) },
    { entry: { name: 'phantom-mr-t1-thorax', header: MR, gate: false, source: 'phantom anatomy with T1-like tissue intensities (synthetic-slices.ts) t=0.2 seed 2202, 256²' }, image: phantomMrGray({ rows: 256, columns: 256, t: 0.2, seed: 2202 }) },
    { entry: { name: 'endoscopy-synthetic-a', header: ES, gate: true, source: 'endoscopy-like RGB frame (synthetic-slices.ts) seed 2301, 128²' }, image: endoscopyLikeRgb(128, 128, 2301) },
    { entry: { name: 'endoscopy-synthetic-b', header: ES, gate: false, source: 'endoscopy-like RGB frame (synthetic-slices.ts) seed 2302, 256×224' }, image: endoscopyLikeRgb(256, 224, 2302) },
  ];
  const index: HeldoutEntry[] = [];
  for (const { entry, image } of items) {
    const file = `${entry.name}.png`;
    await writePng(image, join(HELDOUT_DIR, file));
    index.push({ ...entry, file });
  }
  await writeFile(join(HELDOUT_DIR, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  process.stdout.write(`wrote ${index.length} images to ${HELDOUT_DIR}\n`);
}

await main();
