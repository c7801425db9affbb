import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/** One row of `derived_series`: our output registry (loop protection, re-run detection). */
export interface DerivedSeriesRow {
  seriesUid: string;
  sourceSeriesUid: string;
  studyUid: string;
  jobId: number | null;
  /** e.g. `sc-rgb`, `mf-true-color`, `grayscale`. */
  outputKind: string;
  seriesNumber: number | null;
  description: string | null;
  createdAt: number;
  /** When retention deleted the series' files from the spool; null while they are kept. */
  purgedAt: number | null;
}

export type NewDerivedSeries = Omit<DerivedSeriesRow, 'jobId' | 'seriesNumber' | 'description' | 'purgedAt'> & {
  jobId?: number | null;
  seriesNumber?: number | null;
  description?: string | null;
};

interface RawDerivedSeries {
  series_uid: string;
  source_series_uid: string;
  study_uid: string;
  job_id: number | null;
  output_kind: string;
  series_number: number | null;
  description: string | null;
  created_at: number;
  purged_at: number | null;
}

function toRow(r: RawDerivedSeries): DerivedSeriesRow {
  return {
    seriesUid: r.series_uid,
    sourceSeriesUid: r.source_series_uid,
    studyUid: r.study_uid,
    jobId: r.job_id,
    outputKind: r.output_kind,
    seriesNumber: r.series_number,
    description: r.description,
    createdAt: r.created_at,
    purgedAt: r.purged_at ?? null,
  };
}

/**
 * Registers a series this node produces, before its first instance leaves the node (so a PACS that
 * routes it straight back finds it here). Derived Series UIDs are deterministic, so a re-run
 * registers the same UID again: the row then points at the newest job and keeps `created_at`; a
 * series whose files retention purged is written again, so it is no longer purged.
 * Returns true when the series was new.
 */
export function registerDerivedSeries(db: Db, s: NewDerivedSeries): boolean {
  const existed = isDerivedSeries(db, s.seriesUid);
  prepared(
    db,
    `INSERT INTO derived_series (series_uid, source_series_uid, study_uid, job_id, output_kind, series_number, description, created_at)
     VALUES (@seriesUid, @sourceSeriesUid, @studyUid, @jobId, @outputKind, @seriesNumber, @description, @createdAt)
     ON CONFLICT (series_uid) DO UPDATE SET
       job_id = COALESCE(excluded.job_id, derived_series.job_id),
       output_kind = excluded.output_kind,
       series_number = COALESCE(excluded.series_number, derived_series.series_number),
       description = COALESCE(excluded.description, derived_series.description),
       purged_at = NULL`,
  ).run({
    seriesUid: s.seriesUid,
    sourceSeriesUid: s.sourceSeriesUid,
    studyUid: s.studyUid,
    jobId: s.jobId ?? null,
    outputKind: s.outputKind,
    seriesNumber: s.seriesNumber ?? null,
    description: s.description ?? null,
    createdAt: s.createdAt,
  });
  return !existed;
}

/** Whether a Series Instance UID is one this node produced. */
export function isDerivedSeries(db: Db, seriesUid: string): boolean {
  return prepared(db, 'SELECT 1 FROM derived_series WHERE series_uid = ?').get(seriesUid) !== undefined;
}

export function getDerivedSeries(db: Db, seriesUid: string): DerivedSeriesRow | undefined {
  const r = prepared(db, 'SELECT * FROM derived_series WHERE series_uid = ?').get(seriesUid) as
    | RawDerivedSeries
    | undefined;
  return r && toRow(r);
}

/** Every series derived from a source series, oldest first. */
export function listDerivedSeriesBySource(db: Db, sourceSeriesUid: string): DerivedSeriesRow[] {
  return (
    prepared(db, 'SELECT * FROM derived_series WHERE source_series_uid = ? ORDER BY created_at, series_uid').all(
      sourceSeriesUid,
    ) as RawDerivedSeries[]
  ).map(toRow);
}

/** Every series a job produced. */
export function listDerivedSeriesByJob(db: Db, jobId: number): DerivedSeriesRow[] {
  return (
    prepared(db, 'SELECT * FROM derived_series WHERE job_id = ? ORDER BY created_at, series_uid').all(
      jobId,
    ) as RawDerivedSeries[]
  ).map(toRow);
}
