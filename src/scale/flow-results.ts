import type { EnhancedSlice } from '../enhance/slice-enhancer.js';
import { isGrayImage } from '../enhance/image-planes.js';
import { grayToRgb } from '../render/colour.js';
import { decodeSliceResult } from './payload-codec.js';

/** What one slice job returned, for the executor's metrics. */
export interface JobReport {
  slices: number;
  queuedMs: number;
  attempts: number;
}

/**
 * The batch's slices in order from its children's return values (BullMQ keys them
 * `bull:<queue>:<jobId>`). Throws when a job completed without a result or returned one this node
 * cannot read. Grey results become RGB slices; each slice carries its producer and queue wait.
 */
export function collectSliceResults(
  values: Record<string, unknown>,
  groups: ReadonlyArray<{ count: number }>,
  childIds: readonly string[],
  onJob?: (report: JobReport) => void,
): EnhancedSlice[] {
  const out: EnhancedSlice[] = [];
  groups.forEach((g, i) => {
    const key = Object.keys(values).find((k) => k.endsWith(`:${childIds[i]}`));
    if (!key) throw new Error(`slice job ${childIds[i]} completed without a result`);
    const r = decodeSliceResult(values[key], g.count);
    onJob?.({ slices: g.count, queuedMs: r.queuedMs, attempts: r.producer.attempts });
    r.slices.forEach((s, j) => {
      const img = r.images[j]!;
      out.push({
        image: isGrayImage(img) ? grayToRgb(img.gray, img.width, img.height) : img,
        backgroundProtected: s.backgroundProtected,
        applied: s.applied,
        timings: { ...s.timings, queuedMs: r.queuedMs },
        ...(s.quality ? { quality: s.quality } : {}),
        producer: r.producer,
      });
    });
  });
  return out;
}
