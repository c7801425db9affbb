/**
 * The development image set (src/eval/fixtures/dev/, made by make-dev-set.ts): clean 8-bit
 * images for tuning presets and the engine (test/enhance/quality-cases.ts). It shares no image,
 * seed or slice position with the held-out set, which is kept for the final report and the
 * CI gate; fixtures/dev/README.md lists every image and the degradation parameters.
 */
import { join } from 'node:path';
import { loadEvalSet, type EvalImage } from './heldout-set.js';

export const DEV_DIR = join(import.meta.dirname, 'fixtures', 'dev');

/** Load the development images (`set: 'dev'`). */
export async function loadDevSet(opts: { dir?: string } = {}): Promise<EvalImage[]> {
  return loadEvalSet(opts.dir ?? DEV_DIR, 'dev');
}
