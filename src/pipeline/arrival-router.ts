import { readFile } from 'node:fs/promises';
import type { Logger } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { readPart10 } from '../dicom/part10.js';
import type { Db } from '../provenance/database.js';
import { listBySeries } from '../provenance/instances.js';
import { createJob, seriesAwaitingJobs } from '../provenance/jobs.js';
import { enqueueForwarding } from '../provenance/forwarding.js';
import type { StoredInstance } from '../receive/receive-types.js';
import { CompletionTracker, type CompletionJob } from '../route/completion.js';
import { firedDecisions, matchRules, type Decision } from '../route/match-rules.js';
import type { SeriesAction } from './stages.js';

export interface ArrivalRouterDeps {
  db: Db;
  /** The current configuration (it may be swapped by a reload between calls). */
  config(): LoadedConfig;
  log: Logger;
  /** Called after jobs were created, so the runner can start at once. */
  onJobsCreated(count: number): void;
  /** Called after originals were queued for forwarding, so the export worker can start at once. */
  onForwardsQueued?(count: number): void;
  now?: () => number;
}

interface OpenWork {
  studyUid: string;
  seriesUids: Set<string>;
  /** Absent for a rule that only forwards. */
  process?: SeriesAction;
  /** Destinations for the untouched originals. */
  forward: string[];
}

/**
 * Turns stored instances into series jobs: evaluates the routing rules on each arrival, tracks
 * completion per rule (quiet period per series or study) and, per completed series and rule,
 * queues the originals for the rule's `forward` destinations (a `forward` job, done at once) and
 * creates the processing job. Objects the node cannot decode are routed too: they are forwarded,
 * and the processing job reports them as not processed. Completion timers live in memory;
 * `recover()` rebuilds them after a restart from the series that have no job yet, so nothing
 * received is forgotten.
 */
export class ArrivalRouter {
  private readonly tracker = new CompletionTracker();
  private readonly work = new Map<string, OpenWork>();
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly deps: ArrivalRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** StoredInstance hook for the receiver. Never throws. */
  onStored(ev: StoredInstance): void {
    if (ev.status !== 'stored' && ev.status !== 'unprocessable') return;
    try {
      this.route({ seriesUid: ev.seriesUid, studyUid: ev.studyUid, callingAe: ev.callingAe, calledAe: ev.calledAe }, ev.header, ev.receivedAt);
    } catch (err) {
      this.deps.log.error({ stage: 'route', seriesUid: ev.seriesUid, err: errorMessage(err) }, 'routing failed');
    }
  }

  /** Start-up: re-evaluates series received since their last job (their timers were lost). */
  async recover(): Promise<number> {
    let n = 0;
    for (const s of seriesAwaitingJobs(this.deps.db)) {
      const first = listBySeries(this.deps.db, s.seriesUid, 'stored')[0] ?? listBySeries(this.deps.db, s.seriesUid, 'unprocessable')[0];
      if (!first) continue;
      try {
        const header = readPart10(await readFile(first.path), { untilPixelData: true }).dataset;
        this.route({ seriesUid: s.seriesUid, studyUid: s.studyUid, callingAe: s.callingAe ?? '', calledAe: s.calledAe ?? '' }, header, s.lastReceivedAt);
        n++;
      } catch (err) {
        this.deps.log.error({ stage: 'route', seriesUid: s.seriesUid, err: errorMessage(err) }, 'cannot re-route series after restart');
      }
    }
    if (n > 0) this.deps.log.info({ stage: 'route', series: n }, 'series re-routed after restart');
    this.arm();
    return n;
  }

  /** Evaluates the rules for one instance (the dry-run uses the same function). */
  decide(header: Record<string, unknown>, callingAe: string, calledAe: string): Decision[] {
    return matchRules(this.deps.config().rules, { callingAe, calledAe, header });
  }

  /** Completes every open series now (operator's forced completion, and tests). */
  flush(): number {
    const jobs = this.tracker.pending().map((j) => this.tracker.complete(j.key, this.now())!).filter(Boolean);
    return this.createJobs(jobs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  pendingCount(): number {
    return this.tracker.pending().length;
  }

  /** Series whose arrivals are still being collected (retention keeps their files). */
  openSeries(): Set<string> {
    const out = new Set<string>();
    for (const w of this.work.values()) for (const s of w.seriesUids) out.add(s);
    return out;
  }

  private route(
    ids: { seriesUid: string; studyUid: string; callingAe: string; calledAe: string },
    header: Record<string, unknown>,
    at: number,
  ): void {
    const fired = firedDecisions(this.decide(header, ids.callingAe, ids.calledAe));
    for (const d of fired) {
      if (d.actions.kind === 'drop') {
        this.deps.log.info({ stage: 'route', seriesUid: ids.seriesUid, rule: d.rule }, 'dropped by rule');
        continue;
      }
      const scope = d.completion.scope;
      const result = this.tracker.arrive(
        {
          uid: scope === 'study' ? ids.studyUid : ids.seriesUid,
          scope,
          ruleName: d.rule,
          quietSeconds: d.completion.quietSeconds,
          lateArrival: d.completion.lateArrival,
        },
        at,
      );
      if (result.kind === 'ignored') {
        // `ignore` spares the series a re-run, not the PACS an image: a late original is still forwarded.
        if (d.actions.forward.length > 0) this.forward({ ...ids, ruleName: d.rule }, d.actions.forward, 'late arrival after completion: forwarded, not processed again');
        continue;
      }
      const key = result.job.key;
      const a = d.actions;
      const open = this.work.get(key) ?? {
        studyUid: ids.studyUid,
        seriesUids: new Set<string>(),
        process:
          a.kind === 'process' ? { windows: [...a.windows], enhance: a.enhance, output: a.output, destinations: [...a.destinations], report: a.report } : undefined,
        forward: [...a.forward],
      };
      open.seriesUids.add(ids.seriesUid);
      this.work.set(key, open);
      if (result.kind === 'opened' || result.kind === 'reopened') {
        this.deps.log.debug({ stage: 'route', seriesUid: ids.seriesUid, rule: d.rule, key }, `collecting (${result.kind})`);
      }
    }
    this.arm();
  }

  /** Queues the series' originals for the destinations (a `forward` job) and wakes the export worker. */
  private forward(ids: { seriesUid: string; studyUid: string; ruleName: string }, destinations: readonly string[], message: string): void {
    const { job, queued } = enqueueForwarding(this.deps.db, { ...ids, destinations });
    this.deps.log.info({ stage: 'route', seriesUid: ids.seriesUid, rule: ids.ruleName, jobId: job.id, destinations, queued }, message);
    if (queued > 0) this.deps.onForwardsQueued?.(queued);
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.tracker.nextDueAt();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.now()) + 5);
    this.timer.unref?.();
  }

  private fire(): void {
    try {
      this.createJobs(this.tracker.due(this.now()));
    } catch (err) {
      this.deps.log.error({ stage: 'route', err: errorMessage(err) }, 'cannot create jobs');
    }
    this.arm();
  }

  private createJobs(due: CompletionJob[]): number {
    let created = 0;
    for (const job of due) {
      const open = this.work.get(job.key);
      this.work.delete(job.key);
      if (!open) continue;
      for (const seriesUid of open.seriesUids) {
        const ids = { seriesUid, studyUid: open.studyUid, ruleName: job.ruleName };
        if (open.forward.length > 0) this.forward(ids, open.forward, 'series complete; originals queued for forwarding');
        if (open.process) {
          const row = createJob(this.deps.db, { ...ids, action: open.process });
          created++;
          this.deps.log.info(
            { stage: 'route', jobId: row.id, seriesUid, rule: job.ruleName, generation: job.generation, arrivals: job.arrivals },
            'series complete; job created',
          );
        }
      }
    }
    if (created > 0) this.deps.onJobsCreated(created);
    return created;
  }
}
