import { Job, type Queue } from 'bullmq';
import { CancelledError } from '../shared/errors.js';
import type { FlowOutcome, JobEvents } from './job-events.js';

/** Safety net under the completion events (and what notices a flow lost with Redis). */
const POLL_MS = 1000;

export interface FlowWait {
  seriesQueue: Queue;
  sliceQueue: Queue;
  events: JobEvents;
  /** The batch fails when its flow has not completed by then (config executor.timeoutSeconds). */
  timeoutSeconds: number;
}

/**
 * Waits for a published flow: 'done' once its parent completed, 'lost' when the parent is gone
 * from Redis twice in a row (Redis lost data it had not persisted: the caller publishes it
 * again). Throws CancelledError on `signal`, an error naming the failing slice job when the flow
 * failed, and one naming the queue when it did not finish in time. Each round subscribes to the
 * completion event first and then polls the parent's state, so an event between the two is not lost.
 */
export async function waitForFlow(wait: FlowWait, parentId: string, childIds: readonly string[], signal: AbortSignal): Promise<'done' | 'lost'> {
  const { seriesQueue, events, timeoutSeconds } = wait;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let missing = 0;
  while (true) {
    if (signal.aborted) throw new CancelledError('job cancelled');
    if (Date.now() > deadline) throw new Error(`enhancement batch not finished after ${timeoutSeconds} s (are workers running on ${wait.sliceQueue.name}?)`);
    let settle!: (o: FlowOutcome | undefined) => void;
    const event = new Promise<FlowOutcome | undefined>((resolve) => {
      settle = (o) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const timer = setTimeout(() => settle(undefined), POLL_MS);
      const onAbort = (): void => settle(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      events.onFinished(parentId, settle);
    });
    const state = await Job.fromId(seriesQueue, parentId)
      .then((j) => j?.getState() ?? 'missing')
      .catch(() => 'unreachable');
    let outcome: FlowOutcome | undefined;
    if (state === 'completed') outcome = { ok: true };
    else if (state === 'failed') outcome = { ok: false };
    else outcome = await event;
    settle(undefined); // clears the timer and the abort listener
    events.offFinished(parentId);
    if (state === 'missing') {
      if (++missing >= 2) return 'lost';
    } else missing = 0;
    if (!outcome) continue;
    if (outcome.ok) return 'done';
    throw new Error(await failureOf(wait.sliceQueue, childIds, outcome.reason));
  }
}

/** The first failed slice job with its attempts and reason, else the parent's reason. */
async function failureOf(sliceQueue: Queue, childIds: readonly string[], parentReason?: string): Promise<string> {
  for (const id of childIds) {
    const child = await Job.fromId(sliceQueue, id).catch(() => undefined);
    if (child && (await child.getState().catch(() => '')) === 'failed') {
      return `slice job ${id} failed after ${child.attemptsMade} attempt(s): ${child.failedReason}`;
    }
  }
  return `enhancement batch failed: ${parentReason ?? 'unknown reason'}`;
}
