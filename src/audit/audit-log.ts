/** The append-only audit trail in SQLite (triggers refuse UPDATE and DELETE), and its queries. */
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';
import type { AuditAction, AuditEventId, AuditEventType, AuditOutcome } from './audit-codes.js';
import type { AuditActor, AuditEvent, AuditObject } from './audit-event.js';

export interface AuditRow extends AuditEvent {
  id: number;
}

interface RawAudit {
  id: number;
  at: number;
  event_id: AuditEventId;
  event_type: AuditEventType | null;
  action: AuditAction;
  outcome: AuditOutcome;
  actor: string;
  actor_kind: AuditActor['kind'];
  actor_host: string | null;
  route: string | null;
  study_uid: string | null;
  objects_json: string;
  detail: string | null;
}

function toRow(r: RawAudit): AuditRow {
  return {
    id: r.id,
    at: r.at,
    eventId: r.event_id,
    ...(r.event_type !== null ? { eventType: r.event_type } : {}),
    action: r.action,
    outcome: r.outcome,
    actor: { name: r.actor, kind: r.actor_kind, ...(r.actor_host !== null ? { host: r.actor_host } : {}) },
    ...(r.route !== null ? { route: r.route } : {}),
    ...(r.study_uid !== null ? { studyUid: r.study_uid } : {}),
    objects: JSON.parse(r.objects_json) as AuditObject[],
    ...(r.detail !== null ? { detail: r.detail } : {}),
  };
}

export function recordAudit(db: Db, e: AuditEvent): number {
  return Number(
    prepared(
      db,
      `INSERT INTO audit_events (at, event_id, event_type, action, outcome, actor, actor_kind, actor_host, route, study_uid, objects_json, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.at,
      e.eventId,
      e.eventType ?? null,
      e.action,
      e.outcome,
      e.actor.name,
      e.actor.kind,
      e.actor.host ?? null,
      e.route ?? null,
      e.studyUid ?? null,
      JSON.stringify(e.objects),
      e.detail ?? null,
    ).lastInsertRowid,
  );
}

export interface AuditQuery {
  actor?: string;
  studyUid?: string;
  eventId?: AuditEventId;
  since?: number;
  until?: number;
  /** Only failures (outcome > 0). */
  failures?: boolean;
  limit?: number;
}

/** Events matching every given filter, newest first. */
export function queryAudit(db: Db, q: AuditQuery = {}): AuditRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    where.push(sql);
    args.push(v);
  };
  if (q.actor !== undefined) add('actor = ?', q.actor);
  if (q.studyUid !== undefined) add('study_uid = ?', q.studyUid);
  if (q.eventId !== undefined) add('event_id = ?', q.eventId);
  if (q.since !== undefined) add('at >= ?', q.since);
  if (q.until !== undefined) add('at < ?', q.until);
  if (q.failures) where.push('outcome > 0');
  const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
  return (db.prepare(sql).all(...args, q.limit ?? 1000) as RawAudit[]).map(toRow);
}

/** Events not yet taken by the audit repository, oldest first. */
export function unforwardedAudit(db: Db, limit: number): AuditRow[] {
  return (
    prepared(db, 'SELECT e.* FROM audit_events e LEFT JOIN audit_forwarding f ON f.event_id = e.id WHERE f.event_id IS NULL ORDER BY e.id LIMIT ?').all(limit) as RawAudit[]
  ).map(toRow);
}

export function markAuditForwarded(db: Db, ids: number[], now: number): void {
  const mark = prepared(db, 'INSERT OR IGNORE INTO audit_forwarding (event_id, sent_at) VALUES (?, ?)');
  db.transaction(() => {
    for (const id of ids) mark.run(id, now);
  })();
}
