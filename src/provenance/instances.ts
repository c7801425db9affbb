import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/**
 * stored: processable; own_output: produced by this node (never processed again);
 * unprocessable: kept and forwarded untouched; replaced: an older copy of a re-sent SOP Instance UID.
 */
export type InstanceStatus = 'stored' | 'own_output' | 'unprocessable' | 'replaced';

/** One row of `instances`: a received object in the spool. `path` is absolute. */
export interface InstanceRow {
  id: number;
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  studyUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  path: string;
  size: number;
  sha256: string;
  associationId: string | null;
  receivedAt: number;
  status: InstanceStatus;
  statusReason: string | null;
  /** When retention deleted the file (the row stays as lineage); null while the file is kept. */
  purgedAt: number | null;
}

export type NewInstance = Omit<InstanceRow, 'id' | 'statusReason' | 'associationId' | 'instanceNumber' | 'purgedAt'> & {
  statusReason?: string | null;
  associationId?: string | null;
  instanceNumber?: number | null;
};

interface RawInstance {
  id: number;
  sop_instance_uid: string;
  sop_class_uid: string;
  series_uid: string;
  study_uid: string;
  transfer_syntax_uid: string;
  instance_number: number | null;
  path: string;
  size: number;
  sha256: string;
  association_id: string | null;
  received_at: number;
  status: InstanceStatus;
  status_reason: string | null;
  purged_at: number | null;
}

function toRow(r: RawInstance): InstanceRow {
  return {
    id: r.id,
    sopInstanceUid: r.sop_instance_uid,
    sopClassUid: r.sop_class_uid,
    seriesUid: r.series_uid,
    studyUid: r.study_uid,
    transferSyntaxUid: r.transfer_syntax_uid,
    instanceNumber: r.instance_number,
    path: r.path,
    size: r.size,
    sha256: r.sha256,
    associationId: r.association_id,
    receivedAt: r.received_at,
    status: r.status,
    statusReason: r.status_reason,
    purgedAt: r.purged_at ?? null,
  };
}

/** Inserts a received instance; returns its id. Throws on a duplicate (SOP UID, sha256). */
export function insertInstance(db: Db, i: NewInstance): number {
  const r = prepared(
    db,
    `INSERT INTO instances (sop_instance_uid, sop_class_uid, series_uid, study_uid, transfer_syntax_uid,
       instance_number, path, size, sha256, association_id, received_at, status, status_reason)
     VALUES (@sopInstanceUid, @sopClassUid, @seriesUid, @studyUid, @transferSyntaxUid,
       @instanceNumber, @path, @size, @sha256, @associationId, @receivedAt, @status, @statusReason)`,
  ).run({
    sopInstanceUid: i.sopInstanceUid,
    sopClassUid: i.sopClassUid,
    seriesUid: i.seriesUid,
    studyUid: i.studyUid,
    transferSyntaxUid: i.transferSyntaxUid,
    instanceNumber: i.instanceNumber ?? null,
    path: i.path,
    size: i.size,
    sha256: i.sha256,
    associationId: i.associationId ?? null,
    receivedAt: i.receivedAt,
    status: i.status,
    statusReason: i.statusReason ?? null,
  });
  return Number(r.lastInsertRowid);
}

export function getInstance(db: Db, id: number): InstanceRow | undefined {
  const r = prepared(db, 'SELECT * FROM instances WHERE id = ?').get(id) as RawInstance | undefined;
  return r && toRow(r);
}

/** Every copy received under a SOP Instance UID, newest first (at most one is not `replaced`). */
export function findBySop(db: Db, sopInstanceUid: string): InstanceRow[] {
  return (
    prepared(db, 'SELECT * FROM instances WHERE sop_instance_uid = ? ORDER BY received_at DESC, id DESC').all(
      sopInstanceUid,
    ) as RawInstance[]
  ).map(toRow);
}

/** The current (not replaced) copy of a SOP Instance UID. */
export function findCurrentBySop(db: Db, sopInstanceUid: string): InstanceRow | undefined {
  const r = prepared(
    db,
    `SELECT * FROM instances WHERE sop_instance_uid = ? AND status != 'replaced' ORDER BY id DESC LIMIT 1`,
  ).get(sopInstanceUid) as RawInstance | undefined;
  return r && toRow(r);
}

/**
 * Instances of a series with one status (default `stored`), in slice order: Instance Number,
 * then SOP Instance UID (rows without a number last). Copies whose file retention purged are left
 * out unless asked for: jobs and forwards read only what is on disk.
 */
export function listBySeries(db: Db, seriesUid: string, status: InstanceStatus = 'stored', opts: { includePurged?: boolean } = {}): InstanceRow[] {
  return (
    prepared(
      db,
      `SELECT * FROM instances WHERE series_uid = ? AND status = ? AND (? OR purged_at IS NULL)
       ORDER BY instance_number IS NULL, instance_number, sop_instance_uid`,
    ).all(seriesUid, status, opts.includePurged ? 1 : 0) as RawInstance[]
  ).map(toRow);
}

/** Number of instances of a series with a status; without one, every copy that is not replaced. */
export function countBySeries(db: Db, seriesUid: string, status?: InstanceStatus): number {
  const row = (
    status
      ? prepared(db, 'SELECT COUNT(*) AS n FROM instances WHERE series_uid = ? AND status = ?').get(seriesUid, status)
      : prepared(db, `SELECT COUNT(*) AS n FROM instances WHERE series_uid = ? AND status != 'replaced'`).get(seriesUid)
  ) as { n: number };
  return row.n;
}

/** A purged copy received again with the same bytes: its file is back, the row current again. */
export function restoreInstance(db: Db, id: number, status: InstanceStatus, reason: string | null = null): void {
  prepared(db, 'UPDATE instances SET status = ?, status_reason = ?, purged_at = NULL WHERE id = ?').run(status, reason, id);
}

/** Changes the status of a row (e.g. to `replaced` when a newer copy arrives). */
export function setInstanceStatus(db: Db, id: number, status: InstanceStatus, reason: string | null = null): void {
  prepared(db, 'UPDATE instances SET status = ?, status_reason = ? WHERE id = ?').run(status, reason, id);
}

/** Paths of every row of a series, whatever its status (the start-up rescan looks for files without one). */
export function pathsOfSeries(db: Db, seriesUid: string): Set<string> {
  const rows = prepared(db, 'SELECT path FROM instances WHERE series_uid = ?').all(seriesUid) as Array<{ path: string }>;
  return new Set(rows.map((r) => r.path));
}
