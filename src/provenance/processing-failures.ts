import type { Db } from './database.js';

/**
 * Source instances a job could not process (pixels that do not decode, a transfer syntax we cannot
 * decode). The instance itself stays stored (and forwarded where a rule says so); only its
 * processing failed. The job's other instances still go through, and the job row lists these in
 * `failed_slices_json`.
 */
export interface ProcessingFailure {
  jobId: number;
  seriesUid: string;
  sopInstanceUid: string;
  transferSyntaxUid?: string;
  path: string;
  /** Stable code (`PACS_E_*`): the codec's error code, or PACS_E_TRANSFER_SYNTAX_NOT_DECODABLE. */
  reasonCode: string;
  reason: string;
}

export interface ProcessingFailureRow extends ProcessingFailure {
  id: number;
  createdAt: number;
}

interface Raw {
  id: number;
  job_id: number;
  series_uid: string;
  sop_instance_uid: string;
  transfer_syntax_uid: string | null;
  path: string;
  reason_code: string;
  reason: string;
  created_at: number;
}

/** Records (or, on a re-run of the job, replaces) the failure of one instance. */
export function recordProcessingFailure(db: Db, f: ProcessingFailure, now = Date.now()): void {
  db.prepare(
    `INSERT INTO processing_failures (job_id, series_uid, sop_instance_uid, transfer_syntax_uid, path, reason_code, reason, created_at)
     VALUES (@jobId, @seriesUid, @sopInstanceUid, @transferSyntaxUid, @path, @reasonCode, @reason, @now)
     ON CONFLICT (job_id, sop_instance_uid) DO UPDATE SET reason_code = excluded.reason_code, reason = excluded.reason,
       created_at = excluded.created_at`,
  ).run({ ...f, transferSyntaxUid: f.transferSyntaxUid ?? null, now });
}

export function processingFailuresOfJob(db: Db, jobId: number): ProcessingFailureRow[] {
  return (db.prepare('SELECT * FROM processing_failures WHERE job_id = ? ORDER BY id').all(jobId) as Raw[]).map((r) => ({
    id: r.id,
    jobId: r.job_id,
    seriesUid: r.series_uid,
    sopInstanceUid: r.sop_instance_uid,
    transferSyntaxUid: r.transfer_syntax_uid ?? undefined,
    path: r.path,
    reasonCode: r.reason_code,
    reason: r.reason,
    createdAt: r.created_at,
  }));
}

/** The job's summary of failed slices: `[{ sopInstanceUid, reasonCode, reason }]`, or NULL when none failed. */
export function setJobFailedSlices(db: Db, jobId: number, failed: Array<Pick<ProcessingFailure, 'sopInstanceUid' | 'reasonCode' | 'reason'>>): void {
  db.prepare('UPDATE jobs SET failed_slices_json = ? WHERE id = ?').run(failed.length > 0 ? JSON.stringify(failed) : null, jobId);
}
