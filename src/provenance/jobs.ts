import type { Db } from './database.js';

/**
 * The job table's state machine (architecture.md "States and durability"):
 * - pending → running → done | failed | dead; a failed job is claimed (→ running) again at its retry time.
 * - pending | failed → superseded when a newer job for the same kind, series and rule is created.
 *   A running job is never superseded: it finishes, and the newer job's output replaces its output.
 * - pending | failed | running → cancelled by hand; dead | failed | cancelled → pending when requeued.
 * - done and superseded are final. Start-up re-queues `running` jobs left by a dead process.
 */
export type JobState = 'pending' | 'running' | 'done' | 'failed' | 'dead' | 'cancelled' | 'superseded';

export interface JobRow {
  id: number;
  kind: string;
  series_uid: string;
  study_uid: string;
  rule_name: string;
  action_json: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  next_run_at: number;
  last_error: string | null;
  supersedes_job_id: number | null;
  progress_json: string | null;
  owner: string | null;
  heartbeat_at: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** JSON list of the source slices that could not be processed (see processing-failures.ts). */
  failed_slices_json?: string | null;
}

/** `series`: render/enhance/derive; `forward`: the originals sent untouched (done when created). */
export type JobKind = 'series' | 'forward';

export interface NewJob {
  kind?: JobKind;
  seriesUid: string;
  studyUid: string;
  ruleName: string;
  action: unknown;
  maxAttempts?: number;
  runAt?: number;
}

/**
 * Creates a job for a series (late arrivals: the new job's output replaces the old one). The
 * newest earlier job of the same kind, series and rule becomes its `supersedes_job_id`; if that
 * job has not started (pending) or waits for a retry (failed), it is marked superseded and never
 * runs. A running, done or dead one keeps its state. A `forward` job has no work for the runner:
 * it is recorded done, with the deliveries its caller enqueues in the same transaction.
 */
export function createJob(db: Db, job: NewJob, now = Date.now()): JobRow {
  const kind = job.kind ?? 'series';
  return db.transaction(() => {
    const previous = db
      .prepare(
        `SELECT id, state FROM jobs WHERE kind = ? AND series_uid = ? AND rule_name = ? AND state NOT IN ('superseded','cancelled')
         ORDER BY id DESC LIMIT 1`,
      )
      .get(kind, job.seriesUid, job.ruleName) as { id: number; state: JobState } | undefined;
    const done = kind === 'forward';
    const info = db
      .prepare(
        `INSERT INTO jobs (kind, series_uid, study_uid, rule_name, action_json, state, attempts, max_attempts,
           next_run_at, supersedes_job_id, created_at, updated_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        kind,
        job.seriesUid,
        job.studyUid,
        job.ruleName,
        JSON.stringify(job.action),
        done ? 'done' : 'pending',
        done ? 1 : 0,
        job.maxAttempts ?? 3,
        job.runAt ?? now,
        previous?.id ?? null,
        now,
        now,
        done ? now : null,
        done ? now : null,
      );
    if (previous && (previous.state === 'pending' || previous.state === 'failed')) {
      db.prepare(`UPDATE jobs SET state = 'superseded', updated_at = ? WHERE id = ?`).run(now, previous.id);
    }
    return getJob(db, Number(info.lastInsertRowid))!;
  })();
}

export function getJob(db: Db, id: number): JobRow | undefined {
  return db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
}

/** Atomically takes the oldest due pending job (or failed job whose retry time has come). */
export function claimNextJob(db: Db, owner: string, now = Date.now()): JobRow | undefined {
  return db.transaction(() => {
    const row = db
      .prepare(
        `SELECT id FROM jobs WHERE state IN ('pending','failed') AND next_run_at <= ? ORDER BY next_run_at, id LIMIT 1`,
      )
      .get(now) as { id: number } | undefined;
    if (!row) return undefined;
    db.prepare(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, owner = ?, heartbeat_at = ?, started_at = ?,
         updated_at = ? WHERE id = ?`,
    ).run(owner, now, now, now, row.id);
    return getJob(db, row.id);
  })();
}

export function heartbeatJob(db: Db, id: number, progress: unknown, now = Date.now()): void {
  db.prepare(`UPDATE jobs SET heartbeat_at = ?, progress_json = ?, updated_at = ? WHERE id = ? AND state = 'running'`).run(
    now,
    JSON.stringify(progress),
    now,
    id,
  );
}

export function completeJob(db: Db, id: number, now = Date.now()): void {
  db.prepare(`UPDATE jobs SET state = 'done', finished_at = ?, updated_at = ?, last_error = NULL WHERE id = ?`).run(
    now,
    now,
    id,
  );
}

/**
 * Records a failure. A retryable failure with attempts left goes to `failed` with a next run time;
 * otherwise the job is `dead` (visible, can be requeued by hand).
 */
export function failJob(
  db: Db,
  id: number,
  error: string,
  opts: { retryable: boolean; retryAt: number },
  now = Date.now(),
): JobState {
  const job = getJob(db, id);
  if (!job) return 'dead';
  const state: JobState = opts.retryable && job.attempts < job.max_attempts ? 'failed' : 'dead';
  db.prepare(
    `UPDATE jobs SET state = ?, last_error = ?, next_run_at = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
  ).run(state, error, opts.retryAt, now, state === 'dead' ? now : null, id);
  return state;
}

export function cancelJob(db: Db, id: number, now = Date.now()): boolean {
  const info = db
    .prepare(`UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending','failed','running')`)
    .run(now, now, id);
  return info.changes > 0;
}

/** Puts a dead, failed or cancelled job back in the queue with a fresh attempt budget. */
export function requeueJob(db: Db, id: number, now = Date.now()): boolean {
  const info = db
    .prepare(
      `UPDATE jobs SET state = 'pending', attempts = 0, next_run_at = ?, last_error = NULL, finished_at = NULL,
         updated_at = ? WHERE id = ? AND state IN ('dead','failed','cancelled')`,
    )
    .run(now, now, id);
  return info.changes > 0;
}

/** Start-up: jobs left `running` by a process that died go back to `pending`. */
export function requeueOrphanedJobs(db: Db, now = Date.now()): number {
  return db
    .prepare(`UPDATE jobs SET state = 'pending', owner = NULL, next_run_at = ?, updated_at = ? WHERE state = 'running'`)
    .run(now, now).changes;
}

export function listJobs(db: Db, opts: { state?: JobState; limit?: number } = {}): JobRow[] {
  const limit = opts.limit ?? 100;
  if (opts.state) {
    return db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY id DESC LIMIT ?').all(opts.state, limit) as JobRow[];
  }
  return db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as JobRow[];
}

export function countJobsByState(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * Whether a claimed job is still running, i.e. was not cancelled meanwhile (the runner checks
 * before exporting). Superseding never touches a running job, so cancelling is the only way out.
 */
export function isJobStillWanted(db: Db, id: number): boolean {
  const job = getJob(db, id);
  return !!job && job.state === 'running';
}

/**
 * Series received since their last job was created (or never given one): after a restart their
 * completion timers are gone, so the router re-evaluates them. Own output is excluded. A job
 * created in the very millisecond of the last arrival (stamped at its commit) does not count as
 * covering it: it may have listed the series just before; a needless re-run is the safe side.
 */
export function seriesAwaitingJobs(db: Db): Array<{ seriesUid: string; studyUid: string; lastReceivedAt: number; callingAe: string | null; calledAe: string | null }> {
  return db
    .prepare(
      `SELECT s.series_uid AS seriesUid, s.study_uid AS studyUid, s.last_received_at AS lastReceivedAt,
              s.calling_ae AS callingAe, s.called_ae AS calledAe
       FROM series s
       WHERE s.own_output = 0
         AND EXISTS (SELECT 1 FROM instances i WHERE i.series_uid = s.series_uid AND i.status IN ('stored','unprocessable') AND i.purged_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.series_uid = s.series_uid AND j.created_at > s.last_received_at)
       ORDER BY s.last_received_at`,
    )
    .all() as Array<{ seriesUid: string; studyUid: string; lastReceivedAt: number; callingAe: string | null; calledAe: string | null }>;
}
