import type { Queue } from 'bullmq';
import type { ExecutorStatus } from '../enhance/slice-enhancer.js';
import { readSnapshotWithin, type QueueSnapshot } from './scale-metrics.js';

/** Reads the slice queue's job counts per state and the workers connected to it. */
export function sliceQueueSnapshot(sliceQueue: Queue): () => Promise<QueueSnapshot> {
  return async () => ({
    counts: await sliceQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'),
    workers: await sliceQueue.getWorkersCount(),
  });
}

/** The executor's state for the API and dashboard; Redis counts as down when it does not answer within a second. */
export async function bullmqExecutorStatus(snapshot: () => Promise<QueueSnapshot>): Promise<ExecutorStatus> {
  const s = await readSnapshotWithin(snapshot, 1000);
  return s ? { kind: 'bullmq', redisUp: true, workers: s.workers, jobs: s.counts } : { kind: 'bullmq', redisUp: false };
}
