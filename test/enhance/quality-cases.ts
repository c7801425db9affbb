/**
 * Clean slices and their degraded copies for preset tuning (test/enhance/tune-presets.ts): the
 * grey-level images of the development set (src/eval/fixtures/dev/; never the held-out set,
 * which is kept for the report and the CI gate), each degraded by every kind that applies to its
 * modality, with the development set's seeds (`evalDegradeOptions`), so tuning sees the same
 * degradation parameter ranges as the evaluation but never its draws. The colour endoscopy
 * frames of the set are left out because quality-eval.ts scores grey levels only.
 */
import { phantomSlice } from '../../src/dicom/phantom-anatomy.js';
import { isGrayImage, type GrayImage } from '../../src/enhance/image-planes.js';
import { degrade, DEGRADATION_KINDS, evalDegradeOptions, kindAppliesTo, type DegradationKind } from '../../src/eval/degradations.js';
import { loadDevSet } from '../../src/eval/dev-set.js';
import type { EvalImage } from '../../src/eval/heldout-set.js';

export type { DegradationKind };
/** Every kind; each case gets those that apply to its modality (`kindAppliesTo`). */
export const DEGRADATIONS = DEGRADATION_KINDS;

export interface QualityCase {
  name: string;
  kind: DegradationKind;
  clean: GrayImage;
  degraded: GrayImage;
}

/** A phantom slice in a soft-tissue window (40/400 HU), 8-bit (for the benches, not for tuning). */
export function phantomGray(size: number, t: number, seed: number): GrayImage {
  const hu = phantomSlice({ rows: size, columns: size, t, noise: 8, seed });
  const gray = new Uint8Array(size * size);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.max(0, Math.min(255, Math.round(((hu[i]! - (40 - 200)) / 400) * 255)));
  return { width: size, height: size, gray };
}

/** The development set's grey-level images (CT and MR). */
export async function cleanSlices(): Promise<Array<EvalImage & { image: GrayImage }>> {
  return (await loadDevSet()).filter((img): img is EvalImage & { image: GrayImage } => isGrayImage(img.image));
}

/** Every clean slice × every requested kind that applies to its modality. */
export async function qualityCases(kinds: readonly DegradationKind[] = DEGRADATIONS): Promise<QualityCase[]> {
  const cases: QualityCase[] = [];
  for (const img of await cleanSlices()) {
    for (const kind of kinds) {
      if (!kindAppliesTo(kind, img.header.Modality)) continue;
      cases.push({ name: img.name, kind, clean: img.image, degraded: degrade(img.image, kind, evalDegradeOptions(img, kind)) });
    }
  }
  return cases;
}
