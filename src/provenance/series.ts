import type { Db } from './database.js';
import { prepared } from './statement-cache.js';
import { noteStudySeries } from './studies.js';

/** One row of `series`: a received series and when its instances arrived. */
export interface SeriesRow {
  seriesUid: string;
  studyUid: string;
  modality: string | null;
  description: string | null;
  callingAe: string | null;
  calledAe: string | null;
  /** Produced by this node and received back (never processed again). */
  ownOutput: boolean;
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** Instances of the series that are not `replaced`. */
  instanceCount: number;
}

export interface SeriesArrival {
  seriesUid: string;
  studyUid: string;
  modality?: string | null;
  description?: string | null;
  callingAe?: string | null;
  calledAe?: string | null;
  ownOutput?: boolean;
  receivedAt: number;
  /**
   * The arrival added one counted instance row and changed no other (a new SOP Instance): the
   * count goes up by one instead of being recounted, which costs a scan of the series per slice.
   */
  addedOne?: boolean;
}

interface RawSeries {
  series_uid: string;
  study_uid: string;
  modality: string | null;
  description: string | null;
  calling_ae: string | null;
  called_ae: string | null;
  own_output: number;
  first_received_at: number;
  last_received_at: number;
  instance_count: number;
}

function toRow(r: RawSeries): SeriesRow {
  return {
    seriesUid: r.series_uid,
    studyUid: r.study_uid,
    modality: r.modality,
    description: r.description,
    callingAe: r.calling_ae,
    calledAe: r.called_ae,
    ownOutput: r.own_output === 1,
    firstReceivedAt: r.first_received_at,
    lastReceivedAt: r.last_received_at,
    instanceCount: r.instance_count,
  };
}

/**
 * Upserts the series row for an arriving instance (call it after inserting the instance row, in
 * the same transaction): first/last arrival times, the latest non-empty descriptive fields, the
 * own-output flag (sticky once set) and the instance count recomputed from `instances`; the
 * study's row (arrival times, modalities) follows.
 */
export function recordSeriesArrival(db: Db, a: SeriesArrival): void {
  prepared(
    db,
    `INSERT INTO series (series_uid, study_uid, modality, description, calling_ae, called_ae, own_output,
       first_received_at, last_received_at, instance_count)
     VALUES (@seriesUid, @studyUid, @modality, @description, @callingAe, @calledAe, @ownOutput, @receivedAt, @receivedAt, 0)
     ON CONFLICT (series_uid) DO UPDATE SET
       modality = COALESCE(excluded.modality, series.modality),
       description = COALESCE(excluded.description, series.description),
       calling_ae = COALESCE(excluded.calling_ae, series.calling_ae),
       called_ae = COALESCE(excluded.called_ae, series.called_ae),
       own_output = MAX(series.own_output, excluded.own_output),
       first_received_at = MIN(series.first_received_at, excluded.first_received_at),
       last_received_at = MAX(series.last_received_at, excluded.last_received_at)`,
  ).run({
    seriesUid: a.seriesUid,
    studyUid: a.studyUid,
    modality: a.modality || null,
    description: a.description || null,
    callingAe: a.callingAe || null,
    calledAe: a.calledAe || null,
    ownOutput: a.ownOutput ? 1 : 0,
    receivedAt: a.receivedAt,
  });
  if (a.addedOne) prepared(db, 'UPDATE series SET instance_count = instance_count + 1 WHERE series_uid = ?').run(a.seriesUid);
  else refreshSeriesCount(db, a.seriesUid);
  noteStudySeries(db, a.studyUid, a.receivedAt);
}

/** Recomputes `instance_count` from the instances that are not replaced. */
export function refreshSeriesCount(db: Db, seriesUid: string): void {
  prepared(
    db,
    `UPDATE series SET instance_count =
       (SELECT COUNT(*) FROM instances WHERE instances.series_uid = series.series_uid AND status != 'replaced')
     WHERE series_uid = ?`,
  ).run(seriesUid);
}

export function getSeries(db: Db, seriesUid: string): SeriesRow | undefined {
  const r = prepared(db, 'SELECT * FROM series WHERE series_uid = ?').get(seriesUid) as RawSeries | undefined;
  return r && toRow(r);
}

export interface SeriesQuery {
  studyUid?: string;
  /** Only series whose last instance arrived at or before this time (quiet-period checks). */
  lastReceivedBefore?: number;
  /** Only series whose last instance arrived at or after this time. */
  lastReceivedAfter?: number;
  ownOutput?: boolean;
  limit?: number;
  offset?: number;
}

/** Most recently active first. */
export function listSeries(db: Db, q: SeriesQuery = {}): SeriesRow[] {
  return (
    prepared(
      db,
      `SELECT * FROM series
       WHERE (@studyUid IS NULL OR study_uid = @studyUid)
         AND (@before IS NULL OR last_received_at <= @before)
         AND (@after IS NULL OR last_received_at >= @after)
         AND (@ownOutput IS NULL OR own_output = @ownOutput)
       ORDER BY last_received_at DESC, series_uid LIMIT @limit OFFSET @offset`,
    ).all({
      studyUid: q.studyUid ?? null,
      before: q.lastReceivedBefore ?? null,
      after: q.lastReceivedAfter ?? null,
      ownOutput: q.ownOutput === undefined ? null : q.ownOutput ? 1 : 0,
      limit: q.limit ?? 100,
      offset: q.offset ?? 0,
    }) as RawSeries[]
  ).map(toRow);
}
