/**
 * Writes the development set to src/eval/fixtures/dev/ (PNG + index.json). Run once, commit the
 * output: `npx tsx src/eval/make-dev-set.ts`. Every image is generated (synthetic-slices.ts);
 * its slice positions and seeds are used by no held-out image (see fixtures/dev/README.md).
 * Sizes are 256² and larger, some not square, so that the engine's 256-px patches overlap.
 */
import { DEV_DIR } from './dev-set.js';
import { writeEvalSet } from './heldout-set.js';
import { syntheticSetItem } from './synthetic-slices.js';

/** Relative σ of the MR generator's own noise: low, so the clean image is a high-SNR reference. */
const MR_NOISE = 0.012;

const items = [
  syntheticSetItem('dev-ct-thorax', { generator: 'phantom-ct', rows: 256, columns: 256, t: 0.1, seed: 3101, window: 'soft-tissue' }),
  syntheticSetItem('dev-ct-lung', { generator: 'phantom-ct', rows: 384, columns: 384, t: 0.48, seed: 3102, window: 'lung' }),
  syntheticSetItem('dev-ct-liver', { generator: 'phantom-ct', rows: 256, columns: 320, t: 0.8, seed: 3103, window: 'soft-tissue' }),
  syntheticSetItem('dev-ct-abdomen', { generator: 'phantom-ct', rows: 320, columns: 384, t: 0.96, seed: 3104, window: 'soft-tissue' }),
  syntheticSetItem('dev-mr-t1-chest', { generator: 'phantom-mr', rows: 256, columns: 256, t: 0.3, seed: 3201, noise: MR_NOISE }),
  syntheticSetItem('dev-mr-t1-abdomen', { generator: 'phantom-mr', rows: 320, columns: 384, t: 0.66, seed: 3202, noise: MR_NOISE }),
  syntheticSetItem('dev-es-a', { generator: 'endoscopy', rows: 256, columns: 256, seed: 3301 }),
  syntheticSetItem('dev-es-b', { generator: 'endoscopy', rows: 256, columns: 320, seed: 3302 }),
  syntheticSetItem('dev-es-c', { generator: 'endoscopy', rows: 384, columns: 384, seed: 3303 }),
  // Added when the held-out gate showed failures the nine above did not (a noisy low-contrast chest
  // slice, Rician noise in air, a letterboxed endoscopy frame): these reproduce them.
  syntheticSetItem('dev-ct-chest-a', { generator: 'phantom-ct', rows: 256, columns: 256, t: 0.18, seed: 3105, window: 'soft-tissue' }),
  syntheticSetItem('dev-ct-chest-b', { generator: 'phantom-ct', rows: 320, columns: 320, t: 0.3, seed: 3106, window: 'soft-tissue' }),
  syntheticSetItem('dev-ct-chest-c', { generator: 'phantom-ct', rows: 256, columns: 320, t: 0.4, seed: 3107, window: 'soft-tissue' }),
  syntheticSetItem('dev-mr-t1-upper', { generator: 'phantom-mr', rows: 256, columns: 320, t: 0.08, seed: 3203, noise: MR_NOISE }),
  syntheticSetItem('dev-mr-t1-mid', { generator: 'phantom-mr', rows: 320, columns: 320, t: 0.52, seed: 3204, noise: MR_NOISE }),
  syntheticSetItem('dev-es-d', { generator: 'endoscopy', rows: 256, columns: 256, seed: 3304 }),
  syntheticSetItem('dev-es-e', { generator: 'endoscopy', rows: 320, columns: 384, seed: 3305 }),
];
const index = await writeEvalSet(DEV_DIR, items);
process.stdout.write(`wrote ${index.length} images to ${DEV_DIR}\n`);
