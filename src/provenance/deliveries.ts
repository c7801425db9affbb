import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/**
 * The durable export queue: one row per (destination, SOP Instance UID).
 *
 *   pending ──claim──▶ sending ──done──▶ done
 *      ▲                  │
 *      └──── retry ───────┤ (attempts < maxAttempts, transient)
 *                         └──▶ dead ──requeue──▶ pending
 *   pending | dead ──discard──▶ discarded
 *
 * A `done` row is never sent again: enqueueing it again changes nothing. Rows left in `sending` by
 * a crash go back to `pending` on start-up (at-least-once: the peer may see that object twice,
 * which C-STORE tolerates).
 */
export type DeliveryState = 'pending' | 'sending' | 'done' | 'dead' | 'discarded';

const FINISHED: readonly DeliveryState[] = ['done', 'dead', 'discarded'];

export interface DeliveryRow {
  id: number;
  destination: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  seriesUid: string;
  path: string;
  jobId: number | null;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  /**
   * Was being sent when a previous process died: the peer may hold it already (its response was
   * never recorded). The worker asks the destination before sending it again, where it can.
   */
  inDoubt: boolean;
  /** An original object forwarded untouched: sent only in its own transfer syntax, never re-encoded. */
  forwarded: boolean;
}

/** What queuing a delivery records; state, attempts and times start at their defaults. */
export type NewDelivery = Pick<DeliveryRow, 'destination' | 'sopInstanceUid' | 'sopClassUid' | 'transferSyntaxUid' | 'seriesUid' | 'path'> &
  Partial<Pick<DeliveryRow, 'jobId' | 'forwarded'>>;

interface RawDelivery {
  id: number;
  destination: string;
  sop_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  series_uid: string;
  path: string;
  job_id: number | null;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  in_doubt: number;
  forwarded: number;
}

function toRow(r: RawDelivery): DeliveryRow {
  return {
    id: r.id,
    destination: r.destination,
    sopInstanceUid: r.sop_instance_uid,
    sopClassUid: r.sop_class_uid,
    transferSyntaxUid: r.transfer_syntax_uid,
    seriesUid: r.series_uid,
    path: r.path,
    jobId: r.job_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
    inDoubt: r.in_doubt === 1,
    forwarded: r.forwarded === 1,
  };
}

export function getDelivery(db: Db, id: number): DeliveryRow | undefined {
  const r = prepared(db, 'SELECT * FROM deliveries WHERE id = ?').get(id) as RawDelivery | undefined;
  return r && toRow(r);
}

export function findDelivery(db: Db, destination: string, sopInstanceUid: string): DeliveryRow | undefined {
  const r = prepared(db, 'SELECT * FROM deliveries WHERE destination = ? AND sop_instance_uid = ?').get(destination, sopInstanceUid) as
    | RawDelivery
    | undefined;
  return r && toRow(r);
}

/**
 * Queues one object for one destination, idempotent on (destination, SOP Instance UID). A new row
 * is due at once. An existing `pending` row takes the newer file and job (a re-run produced it
 * again); `sending`, `done`, `dead` and `discarded` rows are left exactly as they are — except a
 * forwarded original that was re-sent to us with other bytes (a new file under the same SOP
 * Instance UID): its finished row goes out again with the new file, as a correction.
 */
export function enqueueDelivery(db: Db, d: NewDelivery, now: number): { delivery: DeliveryRow; created: boolean; resent?: boolean } {
  return db.transaction(() => {
    const existing = findDelivery(db, d.destination, d.sopInstanceUid);
    if (existing && d.forwarded && existing.forwarded && existing.path !== d.path && FINISHED.includes(existing.state)) {
      prepared(
        db,
        `UPDATE deliveries SET path = ?, job_id = ?, transfer_syntax_uid = ?, state = 'pending', attempts = 0, next_attempt_at = ?,
           last_status = NULL, last_error = NULL, delivered_at = NULL, in_doubt = 0, updated_at = ? WHERE id = ?`,
      ).run(d.path, d.jobId ?? null, d.transferSyntaxUid, now, now, existing.id);
      return { delivery: getDelivery(db, existing.id)!, created: false, resent: true };
    }
    if (existing) {
      if (existing.state === 'pending' && (existing.path !== d.path || existing.jobId !== (d.jobId ?? null))) {
        prepared(db, 'UPDATE deliveries SET path = ?, job_id = ?, transfer_syntax_uid = ?, updated_at = ? WHERE id = ?').run(
          d.path,
          d.jobId ?? null,
          d.transferSyntaxUid,
          now,
          existing.id,
        );
        return { delivery: getDelivery(db, existing.id)!, created: false };
      }
      return { delivery: existing, created: false };
    }
    const info = prepared(
      db,
      `INSERT INTO deliveries (destination, sop_instance_uid, sop_class_uid, transfer_syntax_uid, series_uid, path, job_id,
         state, attempts, next_attempt_at, created_at, updated_at, forwarded)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
    ).run(d.destination, d.sopInstanceUid, d.sopClassUid, d.transferSyntaxUid, d.seriesUid, d.path, d.jobId ?? null, now, now, now, d.forwarded ? 1 : 0);
    return { delivery: getDelivery(db, Number(info.lastInsertRowid))!, created: true };
  })();
}

/**
 * Moves up to `limit` due `pending` rows (next_attempt_at <= now) of the given destinations to
 * `sending` and returns them, oldest due first. One transaction: two workers never claim one row.
 */
export function claimDueDeliveries(db: Db, opts: { now: number; limit: number; destinations?: string[] }): DeliveryRow[] {
  if (opts.destinations && opts.destinations.length === 0) return [];
  return db.transaction(() => {
    const filter = opts.destinations ? `AND destination IN (${opts.destinations.map(() => '?').join(',')})` : '';
    const rows = db
      .prepare(
        `SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ${filter}
         ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(opts.now, ...(opts.destinations ?? []), opts.limit) as RawDelivery[];
    const claim = prepared(db, "UPDATE deliveries SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'pending'");
    for (const r of rows) claim.run(opts.now, r.id);
    return rows.map((r) => ({ ...toRow(r), state: 'sending' as const, updatedAt: opts.now }));
  })();
}

/** Records a successful delivery (status 0x0000 or a warning). Only a `sending` row changes. */
export function markDeliveryDone(db: Db, id: number, opts: { now: number; status?: number }): boolean {
  const info = prepared(
    db,
    `UPDATE deliveries SET state = 'done', attempts = attempts + 1, last_status = ?, last_error = NULL,
       delivered_at = ?, updated_at = ?, in_doubt = 0 WHERE id = ? AND state = 'sending'`,
  ).run(opts.status ?? 0, opts.now, opts.now, id);
  return info.changes === 1;
}

/** A `sending` row the destination already holds (found by a query): done, without an attempt. */
export function markDeliveryFoundAtDestination(db: Db, id: number, now: number): boolean {
  const info = prepared(
    db,
    `UPDATE deliveries SET state = 'done', last_status = 0, last_error = NULL, delivered_at = ?, updated_at = ?,
       in_doubt = 0 WHERE id = ? AND state = 'sending'`,
  ).run(now, now, id);
  return info.changes === 1;
}

/** The destination was asked and does not hold it: an ordinary delivery from now on. */
export function clearDeliveryDoubt(db: Db, id: number): void {
  prepared(db, 'UPDATE deliveries SET in_doubt = 0 WHERE id = ?').run(id);
}

export interface FailureRecord {
  now: number;
  error: string;
  status?: number;
  /** Retrying cannot help: straight to `dead`. */
  permanent: boolean;
  maxAttempts: number;
  /** Delay before the next attempt, given the number of attempts made so far (≥ 1). */
  retryDelayMs: (attempts: number) => number;
}

/**
 * Records a failed attempt of a `sending` row: back to `pending` with the backoff delay, or to
 * `dead` when the failure is permanent or the attempts are used up. Returns the new state.
 */
export function markDeliveryFailed(db: Db, id: number, f: FailureRecord): DeliveryState | undefined {
  return db.transaction(() => {
    const row = getDelivery(db, id);
    if (!row || row.state !== 'sending') return undefined;
    const attempts = row.attempts + 1;
    const dead = f.permanent || attempts >= f.maxAttempts;
    const state: DeliveryState = dead ? 'dead' : 'pending';
    const next = dead ? row.nextAttemptAt : f.now + Math.max(0, f.retryDelayMs(attempts));
    prepared(
      db,
      `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?
       WHERE id = ?`,
    ).run(state, attempts, next, f.status ?? null, f.error, f.now, id);
    return state;
  })();
}

/** `dead` → `pending`, due now, with a fresh attempt budget. Returns false for any other state. */
export function requeueDelivery(db: Db, id: number, now: number): boolean {
  const info = prepared(
    db,
    "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'dead'",
  ).run(now, now, id);
  return info.changes === 1;
}

/** `pending` or `dead` → `discarded` (an operator gave up on it). */
export function discardDelivery(db: Db, id: number, now: number): boolean {
  const info = prepared(
    db,
    "UPDATE deliveries SET state = 'discarded', updated_at = ? WHERE id = ? AND state IN ('pending','dead')",
  ).run(now, id);
  return info.changes === 1;
}

/** Start-up recovery: rows a previous process left in `sending` become `pending`, due now. */
export function resetInterruptedDeliveries(db: Db, now: number): number {
  return prepared(db, "UPDATE deliveries SET state = 'pending', in_doubt = 1, next_attempt_at = ?, updated_at = ? WHERE state = 'sending'").run(
    now,
    now,
  ).changes;
}

export function listDeliveries(
  db: Db,
  filter: { state?: DeliveryState; destination?: string; seriesUid?: string; limit?: number; offset?: number } = {},
): DeliveryRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.state) {
    where.push('state = ?');
    args.push(filter.state);
  }
  if (filter.destination) {
    where.push('destination = ?');
    args.push(filter.destination);
  }
  if (filter.seriesUid) {
    where.push('series_uid = ?');
    args.push(filter.seriesUid);
  }
  const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ? OFFSET ?`;
  const rows = db.prepare(sql).all(...args, filter.limit ?? 1000, filter.offset ?? 0) as RawDelivery[];
  return rows.map(toRow);
}

/** Row counts per state (all destinations, or one): for metrics, health and back-pressure. */
export function countDeliveriesByState(db: Db, destination?: string): Record<DeliveryState, number> {
  const counts: Record<DeliveryState, number> = { pending: 0, sending: 0, done: 0, dead: 0, discarded: 0 };
  const rows = (
    destination
      ? prepared(db, 'SELECT state, COUNT(*) AS n FROM deliveries WHERE destination = ? GROUP BY state').all(destination)
      : prepared(db, 'SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all()
  ) as Array<{ state: DeliveryState; n: number }>;
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}
