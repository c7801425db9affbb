/**
 * Alerts waiting for their channels (one row per alert and channel, `pending` → `sent` or `dead`)
 * and, per repeat key, when that alert was last raised and how many repeats were held back since.
 */
import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

export type AlertState = 'pending' | 'sent' | 'dead';

export interface AlertRow {
  id: number;
  channel: string;
  event: string;
  payloadJson: string;
  state: AlertState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

interface RawAlert {
  id: number;
  channel: string;
  event: string;
  payload_json: string;
  state: AlertState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

function toRow(r: RawAlert): AlertRow {
  return {
    id: r.id,
    channel: r.channel,
    event: r.event,
    payloadJson: r.payload_json,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

export interface AlertRepeat {
  lastRaisedAt: number;
  /** Raises held back since the last one that went out. */
  suppressed: number;
}

export function getAlertRepeat(db: Db, repeatKey: string): AlertRepeat | undefined {
  const r = prepared(db, 'SELECT last_raised_at, suppressed FROM alert_repeats WHERE repeat_key = ?').get(repeatKey) as
    | { last_raised_at: number; suppressed: number }
    | undefined;
  return r && { lastRaisedAt: r.last_raised_at, suppressed: r.suppressed };
}

/** The alert went out now: the window starts again and nothing is held back. */
export function markAlertRaised(db: Db, repeatKey: string, now: number): void {
  prepared(
    db,
    `INSERT INTO alert_repeats (repeat_key, last_raised_at, suppressed) VALUES (?, ?, 0)
     ON CONFLICT (repeat_key) DO UPDATE SET last_raised_at = excluded.last_raised_at, suppressed = 0`,
  ).run(repeatKey, now);
}

/** `count` raises of this alert were held back (within its repeat window). */
export function addAlertSuppressed(db: Db, repeatKey: string, count: number): void {
  prepared(db, 'UPDATE alert_repeats SET suppressed = suppressed + ? WHERE repeat_key = ?').run(count, repeatKey);
}

/** Queues one alert for one channel, due at once. */
export function insertAlert(db: Db, a: { channel: string; event: string; payload: unknown }, now: number): number {
  const info = prepared(
    db,
    `INSERT INTO alerts (channel, event, payload_json, state, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
  ).run(a.channel, a.event, JSON.stringify(a.payload), now, now);
  return Number(info.lastInsertRowid);
}

export function getAlert(db: Db, id: number): AlertRow | undefined {
  const r = prepared(db, 'SELECT * FROM alerts WHERE id = ?').get(id) as RawAlert | undefined;
  return r && toRow(r);
}

/** Pending alerts of one channel that are due, oldest first. */
export function dueAlerts(db: Db, channel: string, now: number, limit: number): AlertRow[] {
  const rows = prepared(
    db,
    `SELECT * FROM alerts WHERE state = 'pending' AND channel = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
  ).all(channel, now, limit) as RawAlert[];
  return rows.map(toRow);
}

/** Channels that have pending alerts (due or not). */
export function channelsWithPendingAlerts(db: Db): string[] {
  return (prepared(db, `SELECT DISTINCT channel FROM alerts WHERE state = 'pending'`).all() as Array<{ channel: string }>).map((r) => r.channel);
}

export function markAlertSent(db: Db, id: number, now: number): void {
  prepared(db, `UPDATE alerts SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`).run(now, id);
}

/** Records a failed attempt: pending again after `retryDelayMs(attempts)`, or dead once `maxAttempts` are used. */
export function markAlertFailed(
  db: Db,
  id: number,
  opts: { now: number; error: string; maxAttempts: number; retryDelayMs: (attempts: number) => number },
): AlertState {
  return db.transaction((): AlertState => {
    const row = getAlert(db, id);
    if (!row) return 'dead';
    const attempts = row.attempts + 1;
    const state: AlertState = attempts >= opts.maxAttempts ? 'dead' : 'pending';
    prepared(db, 'UPDATE alerts SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(
      state,
      attempts,
      state === 'dead' ? row.nextAttemptAt : opts.now + opts.retryDelayMs(attempts),
      opts.error,
      id,
    );
    return state;
  })();
}

export function countAlertsByState(db: Db): Record<AlertState, number> {
  const out: Record<AlertState, number> = { pending: 0, sent: 0, dead: 0 };
  for (const r of prepared(db, 'SELECT state, COUNT(*) AS n FROM alerts GROUP BY state').all() as Array<{ state: AlertState; n: number }>) {
    out[r.state] = r.n;
  }
  return out;
}

/** Drops sent and dead alerts created before `before`, and repeat records not raised since; returns the alerts dropped. */
export function pruneAlerts(db: Db, before: number): number {
  return db.transaction(() => {
    const n = prepared(db, `DELETE FROM alerts WHERE state IN ('sent','dead') AND created_at < ?`).run(before).changes;
    prepared(db, 'DELETE FROM alert_repeats WHERE last_raised_at < ? AND suppressed = 0').run(before);
    return n;
  })();
}
