import { Job } from 'bullmq';
import type { EnhancedSlice } from '../enhance/slice-enhancer.js';
import { CancelledError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { BatchProgress } from './batch-progress.js';
import type { BullmqClients } from './bullmq-clients.js';
import { waitForFlow } from './flow-completion.js';
import { collectSliceResults } from './flow-results.js';
import type { JobEvents } from './job-events.js';
import type { QueueNames } from './queue-names.js';
import type { ScaleMetrics } from './scale-metrics.js';
import { buildSliceFlow, type FlowSettings, type SliceBatch } from './slice-flow.js';

export interface FlowBatchDeps {
  clients: BullmqClients;
  events: JobEvents;
  names: QueueNames;
  settings: FlowSettings & { timeoutSeconds: number };
  metrics?: ScaleMetrics;
  log: Logger;
}

/**
 * Publishes one batch as a flow, reports its progress, waits for it and returns its slices in
 * order, then removes the finished flow from Redis. 'lost' when the flow vanished from Redis (the
 * caller publishes it again). A cancelled batch's flow is removed so no worker starts it.
 */
export async function runFlowBatch(
  deps: FlowBatchDeps,
  batch: SliceBatch,
  signal: AbortSignal,
  onStep: (done: number, total: number) => void,
): Promise<EnhancedSlice[] | 'lost'> {
  const { clients, events, metrics, log } = deps;
  const { flow, groups, childIds } = buildSliceFlow(batch, deps.names, deps.settings);
  const progress = new BatchProgress(
    groups.map((g, i) => ({ id: childIds[i]!, slices: g.count })),
    batch.preset.steps,
  );
  for (const id of childIds) {
    events.onProgress(id, (step, steps) => {
      const { done, total } = progress.report(id, step, steps);
      onStep(done, total);
    });
  }
  try {
    await clients.flows.add(flow);
    log.debug({ batch: batch.batchId, slices: batch.images.length, jobs: groups.length }, 'flow published');
    const wait = { seriesQueue: clients.seriesQueue, sliceQueue: clients.sliceQueue, events, timeoutSeconds: deps.settings.timeoutSeconds };
    const outcome = await waitForFlow(wait, batch.batchId, childIds, signal).catch(async (err: unknown) => {
      if (signal.aborted) await Job.fromId(clients.seriesQueue, batch.batchId).then((j) => j?.remove()).catch(() => undefined);
      if (!(err instanceof CancelledError)) metrics?.failed(batch.images.length);
      throw err;
    });
    if (outcome === 'lost') return 'lost';
    const parent = await Job.fromId(clients.seriesQueue, batch.batchId);
    if (!parent) return 'lost';
    const values = await parent.getChildrenValues();
    const out = collectSliceResults(values, groups, childIds, (r) => metrics?.jobDone(r.slices, r.queuedMs, r.attempts));
    await parent.remove().catch((err: unknown) => log.warn({ batch: batch.batchId, err: errorMessage(err) }, 'finished flow not removed'));
    return out;
  } finally {
    for (const id of childIds) events.offProgress(id);
  }
}
