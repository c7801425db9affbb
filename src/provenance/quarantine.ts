import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/** One row of `quarantine`: an object refused at receive time, with the reason and the status sent. */
export interface QuarantineRow {
  id: number;
  associationId: string | null;
  callingAe: string | null;
  sopInstanceUid: string | null;
  /** Absolute path of the quarantined file. */
  path: string;
  size: number;
  /** Stable reason code (`PACS_E_*`). */
  reasonCode: string;
  reason: string;
  dimseStatus: number;
  receivedAt: number;
  /** When retention deleted the file; null while it is kept. */
  purgedAt: number | null;
}

export type NewQuarantine = Omit<QuarantineRow, 'id' | 'associationId' | 'callingAe' | 'sopInstanceUid' | 'purgedAt'> & {
  associationId?: string | null;
  callingAe?: string | null;
  sopInstanceUid?: string | null;
};

interface RawQuarantine {
  id: number;
  association_id: string | null;
  calling_ae: string | null;
  sop_instance_uid: string | null;
  path: string;
  size: number;
  reason_code: string;
  reason: string;
  dimse_status: number;
  received_at: number;
  purged_at: number | null;
}

function toRow(r: RawQuarantine): QuarantineRow {
  return {
    id: r.id,
    associationId: r.association_id,
    callingAe: r.calling_ae,
    sopInstanceUid: r.sop_instance_uid,
    path: r.path,
    size: r.size,
    reasonCode: r.reason_code,
    reason: r.reason,
    dimseStatus: r.dimse_status,
    receivedAt: r.received_at,
    purgedAt: r.purged_at ?? null,
  };
}

export function insertQuarantine(db: Db, q: NewQuarantine): number {
  const r = prepared(
    db,
    `INSERT INTO quarantine (association_id, calling_ae, sop_instance_uid, path, size, reason_code, reason, dimse_status, received_at)
     VALUES (@associationId, @callingAe, @sopInstanceUid, @path, @size, @reasonCode, @reason, @dimseStatus, @receivedAt)`,
  ).run({
    associationId: q.associationId ?? null,
    callingAe: q.callingAe ?? null,
    sopInstanceUid: q.sopInstanceUid ?? null,
    path: q.path,
    size: q.size,
    reasonCode: q.reasonCode,
    reason: q.reason,
    dimseStatus: q.dimseStatus,
    receivedAt: q.receivedAt,
  });
  return Number(r.lastInsertRowid);
}

export function getQuarantine(db: Db, id: number): QuarantineRow | undefined {
  const r = prepared(db, 'SELECT * FROM quarantine WHERE id = ?').get(id) as RawQuarantine | undefined;
  return r && toRow(r);
}

export interface QuarantineQuery {
  since?: number;
  reasonCode?: string;
  associationId?: string;
  limit?: number;
  offset?: number;
}

/** Newest first. */
export function listQuarantine(db: Db, q: QuarantineQuery = {}): QuarantineRow[] {
  return (
    prepared(
      db,
      `SELECT * FROM quarantine
       WHERE (@since IS NULL OR received_at >= @since)
         AND (@reasonCode IS NULL OR reason_code = @reasonCode)
         AND (@associationId IS NULL OR association_id = @associationId)
       ORDER BY received_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    ).all({
      since: q.since ?? null,
      reasonCode: q.reasonCode ?? null,
      associationId: q.associationId ?? null,
      limit: q.limit ?? 100,
      offset: q.offset ?? 0,
    }) as RawQuarantine[]
  ).map(toRow);
}

export function countQuarantine(db: Db, since?: number): number {
  return (
    prepared(db, 'SELECT COUNT(*) AS n FROM quarantine WHERE (@since IS NULL OR received_at >= @since)').get({
      since: since ?? null,
    }) as { n: number }
  ).n;
}

/** Removes a row (after an admin deleted or re-imported the file). Returns whether one existed. */
export function deleteQuarantine(db: Db, id: number): boolean {
  return prepared(db, 'DELETE FROM quarantine WHERE id = ?').run(id).changes === 1;
}
