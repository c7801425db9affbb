import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

export type RetentionRunMode = 'scheduled' | 'manual' | 'emergency';

/** One pass of the cleaner (not a dry run): when, why, what it freed. */
export interface RetentionRunRow {
  id: number;
  mode: RetentionRunMode;
  startedAt: number;
  finishedAt: number | null;
  freeBytesBefore: number | null;
  freeBytesAfter: number | null;
  files: number;
  bytes: number;
  rowsDeleted: number;
  error: string | null;
}

const RUN_COLUMNS = `id, mode, started_at AS startedAt, finished_at AS finishedAt, free_bytes_before AS freeBytesBefore,
  free_bytes_after AS freeBytesAfter, files, bytes, rows_deleted AS rowsDeleted, error`;

export function startRetentionRun(db: Db, mode: RetentionRunMode, now: number, freeBytes: number | null): number {
  return Number(prepared(db, 'INSERT INTO retention_runs (mode, started_at, free_bytes_before) VALUES (?, ?, ?)').run(mode, now, freeBytes).lastInsertRowid);
}

export function finishRetentionRun(
  db: Db,
  id: number,
  r: { now: number; freeBytes: number | null; files: number; bytes: number; rowsDeleted: number; error?: string },
): void {
  prepared(db, 'UPDATE retention_runs SET finished_at = ?, free_bytes_after = ?, files = ?, bytes = ?, rows_deleted = ?, error = ? WHERE id = ?').run(
    r.now,
    r.freeBytes,
    r.files,
    r.bytes,
    r.rowsDeleted,
    r.error ?? null,
    id,
  );
}

/** Logs one deleted unit (a series, a file, a quarantined object) of a run. */
export function recordRetentionPurge(
  db: Db,
  p: { runId: number; folder: string; unit: string; reason: string; files: number; bytes: number; now: number },
): void {
  prepared(db, 'INSERT INTO retention_purges (run_id, folder, unit, reason, files, bytes, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    p.runId,
    p.folder,
    p.unit,
    p.reason,
    p.files,
    p.bytes,
    p.now,
  );
}

/** Newest first. */
export function listRetentionRuns(db: Db, limit = 20): RetentionRunRow[] {
  return prepared(db, `SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY id DESC LIMIT ?`).all(limit) as RetentionRunRow[];
}

/** When the last finished run of each mode ended (epoch ms). */
export function lastRetentionRunTimes(db: Db): Partial<Record<RetentionRunMode, number>> {
  const rows = prepared(db, 'SELECT mode, MAX(finished_at) AS at FROM retention_runs WHERE finished_at IS NOT NULL GROUP BY mode').all() as Array<{
    mode: RetentionRunMode;
    at: number;
  }>;
  return Object.fromEntries(rows.map((r) => [r.mode, r.at]));
}
