import type { QueueEvents } from 'bullmq';

/** How a flow's parent ended: completed, or failed with the reason BullMQ gives. */
export interface FlowOutcome {
  ok: boolean;
  reason?: string;
}

/**
 * Routes the queues' events to whoever waits on a job id: completion and failure of series
 * (parent) jobs, progress reports of slice jobs. One listener per queue serves every batch.
 */
export class JobEvents {
  private readonly finished = new Map<string, (outcome: FlowOutcome) => void>();
  private readonly progress = new Map<string, (step: number, steps: number) => void>();

  constructor(seriesEvents: QueueEvents, sliceEvents: QueueEvents) {
    seriesEvents.on('completed', ({ jobId }) => this.finished.get(jobId)?.({ ok: true }));
    seriesEvents.on('failed', ({ jobId, failedReason }) => this.finished.get(jobId)?.({ ok: false, reason: failedReason }));
    sliceEvents.on('progress', ({ jobId, data }) => {
      const p = data as { step?: number; steps?: number } | null;
      if (typeof p?.step === 'number' && typeof p.steps === 'number') this.progress.get(jobId)?.(p.step, p.steps);
    });
  }

  /** Calls `listener` when the series job ends, until `offFinished`. */
  onFinished(jobId: string, listener: (outcome: FlowOutcome) => void): void {
    this.finished.set(jobId, listener);
  }

  offFinished(jobId: string): void {
    this.finished.delete(jobId);
  }

  /** Calls `listener` with each progress report of the slice job, until `offProgress`. */
  onProgress(jobId: string, listener: (step: number, steps: number) => void): void {
    this.progress.set(jobId, listener);
  }

  offProgress(jobId: string): void {
    this.progress.delete(jobId);
  }
}
