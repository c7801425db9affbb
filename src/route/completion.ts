/**
 * Series / study completion by quiet period (mercure's router, MONAI Informatics Gateway's
 * grouping timeout): a series or study is complete once nothing has arrived for it for the rule's
 * quiet period. Pure state, no timers and no clock: the caller passes times (ms) in and asks which
 * keys are due; it arms one timer at `nextDueAt()`.
 */

export type CompletionScope = 'series' | 'study';

/** What one arrival is counted towards: the instance's series or study UID under one rule. */
export interface CompletionSubject {
  /** SeriesInstanceUID for scope `series`, StudyInstanceUID for scope `study`. */
  uid: string;
  scope: CompletionScope;
  ruleName: string;
  quietSeconds: number;
  lateArrival: 'supersede' | 'ignore';
}

/** One unit of work the tracker hands to the pipeline. */
export interface CompletionJob {
  /** `ruleName|scope|uid`: each rule that fires tracks its own completion. */
  key: string;
  uid: string;
  scope: CompletionScope;
  ruleName: string;
  /** Arrival times (ms since epoch) of the first and latest instance of this generation. */
  firstAt: number;
  lastAt: number;
  /**
   * 1 for the first job of a key; a late arrival after completion opens generation n + 1, whose
   * output supersedes that of generation n.
   */
  generation: number;
  /** Instances counted in this generation. */
  arrivals: number;
  quietSeconds: number;
}

export type ArrivalResult =
  | { kind: 'opened'; job: Readonly<CompletionJob> }
  | { kind: 'extended'; job: Readonly<CompletionJob> }
  /** A late arrival after completion: a new generation that supersedes `supersedes`. */
  | { kind: 'reopened'; job: Readonly<CompletionJob>; supersedes: number }
  /** A late arrival the rule says to ignore; the completed generation stands. */
  | { kind: 'ignored'; key: string; completedGeneration: number };

export interface CompletionTrackerOptions {
  /** How long a completed key is remembered for late-arrival handling (default 7 days). */
  retainCompletedSeconds?: number;
}

interface Completed {
  generation: number;
  completedAt: number;
}

export function completionKey(subject: Pick<CompletionSubject, 'ruleName' | 'scope' | 'uid'>): string {
  return `${subject.ruleName}|${subject.scope}|${subject.uid}`;
}

export class CompletionTracker {
  private readonly open = new Map<string, CompletionJob>();
  private readonly completed = new Map<string, Completed>();
  private readonly retainMs: number;

  constructor(options: CompletionTrackerOptions = {}) {
    this.retainMs = (options.retainCompletedSeconds ?? 7 * 24 * 3600) * 1000;
  }

  /** Counts one instance arriving at `at` (ms). */
  arrive(subject: CompletionSubject, at: number): ArrivalResult {
    const key = completionKey(subject);
    const current = this.open.get(key);
    if (current) {
      current.lastAt = Math.max(current.lastAt, at);
      current.firstAt = Math.min(current.firstAt, at);
      current.arrivals += 1;
      current.quietSeconds = subject.quietSeconds;
      return { kind: 'extended', job: { ...current } };
    }
    const done = this.completed.get(key);
    if (done && subject.lateArrival === 'ignore') return { kind: 'ignored', key, completedGeneration: done.generation };
    const job: CompletionJob = {
      key,
      uid: subject.uid,
      scope: subject.scope,
      ruleName: subject.ruleName,
      firstAt: at,
      lastAt: at,
      generation: done ? done.generation + 1 : 1,
      arrivals: 1,
      quietSeconds: subject.quietSeconds,
    };
    this.open.set(key, job);
    if (done) {
      this.completed.delete(key);
      return { kind: 'reopened', job: { ...job }, supersedes: done.generation };
    }
    return { kind: 'opened', job: { ...job } };
  }

  /**
   * Jobs whose quiet period has elapsed at `now` (lastAt + quietSeconds ≤ now), oldest first. They
   * leave the open set and are remembered as completed for late-arrival handling.
   */
  due(now: number): CompletionJob[] {
    const ready = [...this.open.values()].filter((j) => j.lastAt + j.quietSeconds * 1000 <= now).sort((a, b) => a.lastAt - b.lastAt || a.key.localeCompare(b.key));
    for (const j of ready) this.close(j, now);
    this.prune(now);
    return ready.map((j) => ({ ...j }));
  }

  /** Completes a key now, whatever its quiet period (an operator's "forced completion"). */
  complete(key: string, now: number): CompletionJob | undefined {
    const job = this.open.get(key);
    if (!job) return undefined;
    this.close(job, now);
    return { ...job };
  }

  /** When the next open job falls due (ms), for arming a single timer; undefined when none is open. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const j of this.open.values()) {
      const t = j.lastAt + j.quietSeconds * 1000;
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  /** Open (still collecting) jobs. */
  pending(): CompletionJob[] {
    return [...this.open.values()].map((j) => ({ ...j }));
  }

  /** The last completed generation of a key, if remembered. */
  completedGeneration(key: string): number | undefined {
    return this.completed.get(key)?.generation;
  }

  /**
   * Seeds state after a restart from what the pipeline persisted: an open job keeps collecting,
   * a completed one only sets the generation a late arrival will supersede.
   */
  restore(job: CompletionJob, state: 'open' | 'completed', completedAt = job.lastAt): void {
    if (state === 'open') {
      this.open.set(job.key, { ...job });
      this.completed.delete(job.key);
    } else {
      const known = this.completed.get(job.key);
      if (!known || known.generation < job.generation) this.completed.set(job.key, { generation: job.generation, completedAt });
    }
  }

  private close(job: CompletionJob, now: number): void {
    this.open.delete(job.key);
    this.completed.set(job.key, { generation: job.generation, completedAt: now });
  }

  private prune(now: number): void {
    for (const [key, c] of this.completed) if (c.completedAt + this.retainMs < now) this.completed.delete(key);
  }
}
