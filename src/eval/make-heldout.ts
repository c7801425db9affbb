/**
 * Writes the held-out set to src/eval/fixtures/heldout/ (PNG + index.json). Run once, commit the
 * output: `npx tsx src/eval/make-heldout.ts`. The CT head slice comes from pydicom's
 * J2K_pixelrep_mismatch.dcm (decoded by pydicom, windowed by the node's VOI code); the rest is
 * synthetic (synthetic-slices.ts) at slice positions and seeds that neither the development set
 * nor the earlier held-out set used. See fixtures/heldout/README.md for why none of it is in the
 * prior's training data. Sizes are 256² and larger, some not square, so that the engine's
 * 256-px patches overlap; the gate subset is 256² at most to keep the CI gate fast.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import type { GrayImage } from '../enhance/image-planes.js';
import { applyWindow } from '../render/voi-window.js';
import { CT_WINDOW_PRESETS } from '../render/window-presets.js';
import { HELDOUT_DIR, writeEvalSet, type EvalSetEntry } from './heldout-set.js';
import { syntheticSetItem } from './synthetic-slices.js';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

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

async function ctHead(name: string, windowName: string, size: number, gate: boolean): Promise<{ entry: Omit<EvalSetEntry, 'file'>; image: GrayImage }> {
  const { hu, width, height } = headCtHu();
  const window = CT_WINDOW_PRESETS[windowName]!;
  const gray = applyWindow(hu, window);
  const { data: small } = await sharp(Buffer.from(gray), { raw: { width, height, channels: 1 } })
    .resize(size, size, { kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const source = `pydicom test file J2K_pixelrep_mismatch.dcm (head CT), ${window.name} window ${window.center}/${window.width}, ${width}×${height} → ${size}² (Lanczos)`;
  return {
    entry: { name, header: { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' }, source, origin: { generator: 'dicom', file: 'J2K_pixelrep_mismatch.dcm' }, window: { name: window.name, center: window.center, width: window.width }, gate },
    image: { width: size, height: size, gray: new Uint8Array(small) },
  };
}

/** Relative σ of the MR generator's own noise: low, so the clean image is a high-SNR reference. */
const MR_NOISE = 0.012;

const items = [
  await ctHead('ct-head-soft', 'soft-tissue', 256, true),
  await ctHead('ct-head-brain', 'brain', 384, false),
  syntheticSetItem('phantom-ct-chest', { generator: 'phantom-ct', rows: 256, columns: 256, t: 0.22, seed: 6101, window: 'soft-tissue' }, true),
  syntheticSetItem('phantom-ct-lung', { generator: 'phantom-ct', rows: 384, columns: 384, t: 0.58, seed: 6102, window: 'lung' }),
  syntheticSetItem('phantom-ct-liver', { generator: 'phantom-ct', rows: 256, columns: 320, t: 0.84, seed: 6103, window: 'soft-tissue' }),
  syntheticSetItem('phantom-mr-t1-abdomen', { generator: 'phantom-mr', rows: 256, columns: 256, t: 0.72, seed: 6201, noise: MR_NOISE }, true),
  syntheticSetItem('phantom-mr-t1-chest', { generator: 'phantom-mr', rows: 320, columns: 384, t: 0.2, seed: 6202, noise: MR_NOISE }),
  syntheticSetItem('endoscopy-synthetic-a', { generator: 'endoscopy', rows: 256, columns: 256, seed: 6301 }, true),
  syntheticSetItem('endoscopy-synthetic-b', { generator: 'endoscopy', rows: 320, columns: 384, seed: 6302 }),
];
const index = await writeEvalSet(HELDOUT_DIR, items);
process.stdout.write(`wrote ${index.length} images to ${HELDOUT_DIR}\n`);
