import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/**
 * What retention needs to know about the files the node holds, and the marks it leaves when it
 * deletes them. A file is never deleted while anything may still read it: a job of its series
 * that is pending, running, waiting to retry or dead (an operator may requeue it), or a delivery
 * of it (or of its series' jobs) that is pending, being sent or dead. Purged rows stay, with
 * `purged_at`, as lineage; database.ts's migrations describe the columns.
 */

/** Jobs of series `s` that may still read its originals (a dead job counts until a later job of its rule replaced it). */
const ACTIVE_JOBS = (s: string) => `(SELECT COUNT(*) FROM jobs j WHERE j.series_uid = ${s} AND (j.state IN ('pending','running','failed')
  OR (j.state = 'dead' AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.series_uid = j.series_uid AND k.kind = j.kind AND k.rule_name = j.rule_name AND k.id > j.id))))`;

/** Deliveries of series `s`'s originals or of its jobs' output that are not done or discarded. */
const UNDELIVERED = (s: string, states: string) => `(SELECT COUNT(*) FROM deliveries d WHERE d.state IN (${states})
  AND (d.series_uid = ${s} OR d.job_id IN (SELECT id FROM jobs WHERE series_uid = ${s})))`;

/** The latest moment anything happened to series `s`: arrival, job, delivery. */
const LAST_ACTIVITY = (s: string) => `MAX(s.last_received_at,
  COALESCE((SELECT MAX(COALESCE(j.finished_at, j.updated_at)) FROM jobs j WHERE j.series_uid = ${s}), 0),
  COALESCE((SELECT MAX(d.updated_at) FROM deliveries d WHERE d.series_uid = ${s} OR d.job_id IN (SELECT id FROM jobs WHERE series_uid = ${s})), 0))`;

export interface OriginalSeriesState {
  seriesUid: string;
  studyUid: string;
  ownOutput: boolean;
  callingAe: string | null;
  calledAe: string | null;
  lastReceivedAt: number;
  lastActivityAt: number;
  activeJobs: number;
  queuedDeliveries: number;
  deadDeliveries: number;
  /** A job was created after the last arrival (the router has dealt with every instance). */
  covered: boolean;
  /** Rules that already made a job for the series (a late arrival under `lateArrival: ignore` makes none). */
  jobRules: string[];
}

/** Every received series that still has files in the spool, with what may still need them. */
export function originalSeriesForRetention(db: Db): OriginalSeriesState[] {
  const rows = prepared(
    db,
    `SELECT s.series_uid AS seriesUid, s.study_uid AS studyUid, s.own_output AS ownOutput, s.calling_ae AS callingAe,
       s.called_ae AS calledAe, s.last_received_at AS lastReceivedAt, ${LAST_ACTIVITY('s.series_uid')} AS lastActivityAt,
       ${ACTIVE_JOBS('s.series_uid')} AS activeJobs,
       ${UNDELIVERED('s.series_uid', "'pending','sending'")} AS queuedDeliveries,
       ${UNDELIVERED('s.series_uid', "'dead'")} AS deadDeliveries,
       EXISTS (SELECT 1 FROM jobs j WHERE j.series_uid = s.series_uid AND j.created_at > s.last_received_at) AS covered,
       (SELECT json_group_array(DISTINCT rule_name) FROM jobs j WHERE j.series_uid = s.series_uid) AS jobRules
     FROM series s
     WHERE EXISTS (SELECT 1 FROM instances i WHERE i.series_uid = s.series_uid AND i.purged_at IS NULL)
     ORDER BY s.last_received_at`,
  ).all() as Array<Omit<OriginalSeriesState, 'ownOutput' | 'covered' | 'jobRules'> & { ownOutput: number; covered: number; jobRules: string }>;
  return rows.map((r) => ({ ...r, ownOutput: r.ownOutput === 1, covered: r.covered === 1, jobRules: JSON.parse(r.jobRules) as string[] }));
}

export interface RetainedFile {
  path: string;
  /** Size as recorded (the caller checks the file itself). */
  size: number;
}

/** Files of a series' received copies (replaced ones included) that are not purged yet. */
export function originalFilesOf(db: Db, seriesUid: string): RetainedFile[] {
  return prepared(db, 'SELECT path, size FROM instances WHERE series_uid = ? AND purged_at IS NULL ORDER BY id').all(seriesUid) as RetainedFile[];
}

/**
 * Marks a series' originals purged, in one transaction that checks again that nothing needs them
 * and nothing arrived since the inventory (`lastReceivedAt`). Returns false, changing nothing,
 * when something does: the files then stay.
 */
export function markOriginalsPurged(db: Db, seriesUid: string, lastReceivedAt: number, now: number): boolean {
  return db.transaction(() => {
    const ok = prepared(
      db,
      `SELECT 1 FROM series s WHERE s.series_uid = ? AND s.last_received_at = ?
         AND ${ACTIVE_JOBS('s.series_uid')} = 0 AND ${UNDELIVERED('s.series_uid', "'pending','sending','dead'")} = 0`,
    ).get(seriesUid, lastReceivedAt);
    if (!ok) return false;
    prepared(db, 'UPDATE instances SET purged_at = ? WHERE series_uid = ? AND purged_at IS NULL').run(now, seriesUid);
    return true;
  })();
}

export interface DerivedSeriesState {
  seriesUid: string;
  sourceSeriesUid: string;
  lastActivityAt: number;
  /** Jobs of the source series that may (re)write this series' files. */
  activeSourceJobs: number;
  queuedDeliveries: number;
  deadDeliveries: number;
}

const DERIVED_DELIVERIES = (states: string) => `(SELECT COUNT(*) FROM deliveries d WHERE d.series_uid = ds.series_uid AND d.state IN (${states}))`;
const SOURCE_JOBS = `(SELECT COUNT(*) FROM jobs j WHERE j.series_uid = ds.source_series_uid AND j.kind = 'series' AND j.state IN ('pending','running','failed'))`;

/** Every derived series whose files are still in the spool, with what may still need them. */
export function derivedSeriesForRetention(db: Db): DerivedSeriesState[] {
  return prepared(
    db,
    `SELECT ds.series_uid AS seriesUid, ds.source_series_uid AS sourceSeriesUid,
       MAX(ds.created_at, COALESCE((SELECT MAX(d.updated_at) FROM deliveries d WHERE d.series_uid = ds.series_uid), 0),
         COALESCE((SELECT COALESCE(j.finished_at, j.updated_at) FROM jobs j WHERE j.id = ds.job_id), 0)) AS lastActivityAt,
       ${SOURCE_JOBS} AS activeSourceJobs,
       ${DERIVED_DELIVERIES("'pending','sending'")} AS queuedDeliveries,
       ${DERIVED_DELIVERIES("'dead'")} AS deadDeliveries
     FROM derived_series ds WHERE ds.purged_at IS NULL ORDER BY ds.created_at`,
  ).all() as DerivedSeriesState[];
}

/** The files this node wrote for a derived series (one per derived object). */
export function derivedFilesOf(db: Db, seriesUid: string): string[] {
  return (prepared(db, 'SELECT DISTINCT path FROM derivations WHERE derived_series_uid = ? ORDER BY path').all(seriesUid) as Array<{ path: string }>).map((r) => r.path);
}

/** Marks a derived series purged after checking again that no job or delivery needs its files. */
export function markDerivedPurged(db: Db, seriesUid: string, now: number): boolean {
  return db.transaction(() => {
    const ok = prepared(
      db,
      `SELECT 1 FROM derived_series ds WHERE ds.series_uid = ? AND ds.purged_at IS NULL
         AND ${SOURCE_JOBS} = 0 AND ${DERIVED_DELIVERIES("'pending','sending','dead'")} = 0`,
    ).get(seriesUid);
    if (!ok) return false;
    prepared(db, 'UPDATE derived_series SET purged_at = ? WHERE series_uid = ?').run(now, seriesUid);
    return true;
  })();
}

/** Quarantined objects whose files are still kept. */
export function quarantineForRetention(db: Db): Array<{ id: number; path: string; size: number; receivedAt: number }> {
  return prepared(db, 'SELECT id, path, size, received_at AS receivedAt FROM quarantine WHERE purged_at IS NULL ORDER BY received_at, id').all() as Array<{
    id: number;
    path: string;
    size: number;
    receivedAt: number;
  }>;
}

export function markQuarantinePurged(db: Db, id: number, now: number): boolean {
  return prepared(db, 'UPDATE quarantine SET purged_at = ? WHERE id = ? AND purged_at IS NULL').run(now, id).changes === 1;
}

/**
 * Series UIDs and SOP Instance UIDs with a delivery to `destination` that is not done: a folder
 * destination's file for them may still be written (or rewritten), so it stays.
 */
export function undeliveredAt(db: Db, destination: string): { series: Set<string>; sops: Set<string> } {
  const rows = prepared(db, "SELECT series_uid AS s, sop_instance_uid AS sop FROM deliveries WHERE destination = ? AND state IN ('pending','sending','dead')").all(
    destination,
  ) as Array<{ s: string; sop: string }>;
  return { series: new Set(rows.map((r) => r.s)), sops: new Set(rows.map((r) => r.sop)) };
}
