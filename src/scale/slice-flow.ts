import type { FlowJob } from 'bullmq';
import type { EngineImage } from '../enhance/image-planes.js';
import type { EnhancePreset } from '../enhance/preset.js';
import type { ModelIdentity } from './model-identities.js';
import { encodeSliceJob, sliceGroups } from './payload-codec.js';
import { SERIES_JOB, SLICE_JOB, type QueueNames } from './queue-names.js';

/** How long finished-but-failed jobs stay in Redis for inspection. */
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 1000 };

/** The executor settings that shape a flow. */
export interface FlowSettings {
  slicesPerJob: number;
  attempts: number;
  backoffSeconds: number;
}

export interface SliceBatch {
  /** Unique id of this batch: the parent job's id, and its children's prefix. */
  batchId: string;
  images: readonly EngineImage[];
  preset: EnhancePreset;
  model: ModelIdentity;
  /** Random stream of the first image (its place in the series). */
  firstSlice: number;
  /** Per image: its grey level of "no signal"; 0 when absent. */
  blackLevels?: readonly number[];
}

/** One published batch: the flow, its slice groups and the job id of each group. */
export interface SliceFlow {
  flow: FlowJob;
  groups: Array<{ first: number; count: number }>;
  childIds: string[];
}

/**
 * One BullMQ flow for a batch: a parent job standing for the batch and one child job per group of
 * `slicesPerJob` consecutive slices, which any worker takes. A child that fails after its attempts
 * fails the parent. Jobs carry windowed pixels, the preset, the model id and hash and the random
 * stream of each slice, nothing that identifies a patient.
 */
export function buildSliceFlow(batch: SliceBatch, names: QueueNames, settings: FlowSettings): SliceFlow {
  const { batchId, images, preset, model, firstSlice, blackLevels } = batch;
  const groups = sliceGroups(images.length, settings.slicesPerJob);
  const childIds = groups.map((_, i) => `${batchId}.${i}`);
  const flow: FlowJob = {
    name: SERIES_JOB,
    queueName: names.series,
    data: { slices: images.length, jobs: groups.length },
    opts: { jobId: batchId, removeOnFail: KEEP_FAILED },
    children: groups.map((g, i) => ({
      name: SLICE_JOB,
      queueName: names.slices,
      data: encodeSliceJob({
        modelId: model.id,
        modelSha256: model.sha256,
        preset,
        firstStream: firstSlice + g.first,
        images: images.slice(g.first, g.first + g.count),
        blackLevels: Array.from({ length: g.count }, (_, j) => blackLevels?.[g.first + j] ?? 0),
      }),
      opts: {
        jobId: childIds[i],
        attempts: settings.attempts,
        backoff: { type: 'fixed', delay: settings.backoffSeconds * 1000 },
        failParentOnFailure: true,
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
      },
    })),
  };
  return { flow, groups, childIds };
}
