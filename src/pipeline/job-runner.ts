import { hostname } from 'node:os';
import type { Logger } from '../shared/log.js';
import { CancelledError, errorMessage, isNodeError } from '../shared/errors.js';
import type { Db } from '../provenance/database.js';
import {
  claimNextJob,
  completeJob,
  failJob,
  heartbeatJob,
  isJobStillWanted,
  type JobRow,
} from '../provenance/jobs.js';
import { runSeriesPipeline, type DerivedInstance, type SeriesPipelineDeps, type SeriesProgress } from './series-pipeline.js';
import type { SeriesAction } from './stages.js';

export interface JobRunnerDeps {
  db: Db;
  pipeline: SeriesPipelineDeps;
  /** Called once per finished job with every derived object; enqueues the deliveries. */
  deliver(job: JobRow, action: SeriesAction, derived: DerivedInstance[]): void;
  log: Logger;
  pollMs?: number;
  /** Delay before retrying a failed job, by attempt number (1-based). */
  retryDelayMs?(attempt: number): number;
  onJobEvent?(event: JobEvent): void;
}

export type JobEvent =
  | { type: 'started'; job: JobRow }
  | { type: 'progress'; jobId: number; progress: SeriesProgress }
  | { type: 'done'; jobId: number; derived: number; ms: number }
  | { type: 'failed'; jobId: number; state: string; error: string };

/**
 * Runs series jobs one at a time (the enhancement is CPU/GPU bound; one engine per device).
 * A job's deliveries are enqueued only after all its slices are written and only if the job is
 * still running (not cancelled meanwhile; a running job is never superseded).
 */
export class JobRunner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private current?: { id: number; abort: AbortController };
  private stopped = true;
  private readonly owner = `${hostname()}:${process.pid}`;

  constructor(private readonly deps: JobRunnerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for work now instead of at the next poll. */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  /** Cancels the running job if it has this id; returns whether it was running here. */
  cancel(jobId: number): boolean {
    if (this.current?.id !== jobId) return false;
    this.current.abort.abort();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.current?.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** Runs jobs until none is due (tests and the CLI use this directly). */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.runOne()) n++;
    return n;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.deps.pollMs ?? 500);
      });
    }, ms);
  }

  private async loop(): Promise<void> {
    while (!this.stopped && (await this.runOne()));
  }

  private async runOne(): Promise<boolean> {
    const { db, log } = this.deps;
    const job = claimNextJob(db, this.owner);
    if (!job) return false;
    const action = JSON.parse(job.action_json) as SeriesAction;
    const abort = new AbortController();
    this.current = { id: job.id, abort };
    const started = performance.now();
    this.deps.onJobEvent?.({ type: 'started', job });
    log.info({ jobId: job.id, stage: 'job', seriesUid: job.series_uid, rule: job.rule_name, attempt: job.attempts }, 'job started');
    let lastBeat = 0;
    try {
      const result = await runSeriesPipeline(job, action, this.deps.pipeline, abort.signal, (progress) => {
        this.deps.onJobEvent?.({ type: 'progress', jobId: job.id, progress });
        const t = Date.now();
        if (t - lastBeat > 1000) {
          heartbeatJob(db, job.id, progress, t);
          lastBeat = t;
        }
        if (!isJobStillWanted(db, job.id) && !abort.signal.aborted) abort.abort();
      });
      if (!isJobStillWanted(db, job.id)) {
        log.warn({ jobId: job.id, stage: 'job' }, 'job cancelled while running; nothing exported');
        return true;
      }
      this.deps.deliver(job, action, result.derived);
      completeJob(db, job.id);
      const ms = performance.now() - started;
      log.info({ jobId: job.id, stage: 'job', derived: result.derived.length, ms: Math.round(ms) }, 'job done');
      this.deps.onJobEvent?.({ type: 'done', jobId: job.id, derived: result.derived.length, ms });
    } catch (err) {
      const cancelled = err instanceof CancelledError || abort.signal.aborted;
      if (cancelled && !isJobStillWanted(db, job.id)) {
        log.warn({ jobId: job.id, stage: 'job' }, 'job cancelled; no partial series exported');
        return true;
      }
      const retryable = isNodeError(err) ? err.retryable : !cancelled;
      const delay = this.deps.retryDelayMs?.(job.attempts) ?? Math.min(60_000 * 2 ** (job.attempts - 1), 3_600_000);
      const state = failJob(db, job.id, errorMessage(err), { retryable, retryAt: Date.now() + delay });
      log.error({ jobId: job.id, stage: 'job', err: errorMessage(err), state }, 'job failed');
      this.deps.onJobEvent?.({ type: 'failed', jobId: job.id, state, error: errorMessage(err) });
    } finally {
      this.current = undefined;
    }
    return true;
  }
}
