import type { Db } from './database.js';

export interface NewDerivation {
  jobId: number;
  sourceSopInstanceUid: string;
  sourceSeriesUid: string;
  /** 0-based frame of a multi-frame source (0 for single-frame sources). */
  sourceFrameIndex?: number;
  derivedSopInstanceUid: string;
  derivedSeriesUid: string;
  derivedSopClassUid: string;
  /** 1-based frame of a multi-frame derived object that holds this source frame. */
  derivedFrameNumber?: number;
  path: string;
  sha256: string;
  stage: 'render' | 'enhance';
  modelId?: string;
  modelSha256?: string;
  preset?: string;
  seed?: number;
  steps?: number;
  params: unknown;
  timings?: unknown;
  quality?: unknown;
}

export interface DerivationRow {
  id: number;
  job_id: number;
  source_sop_instance_uid: string;
  source_series_uid: string;
  source_frame_index: number;
  derived_sop_instance_uid: string;
  derived_series_uid: string;
  derived_sop_class_uid: string;
  derived_frame_number: number | null;
  path: string;
  sha256: string;
  stage: 'render' | 'enhance';
  model_id: string | null;
  model_sha256: string | null;
  preset: string | null;
  seed: number | null;
  steps: number | null;
  params_json: string;
  timings_json: string | null;
  quality_json: string | null;
  created_at: number;
}

/**
 * Records one source image (frame) → derived instance link; a multi-frame derived object has one
 * row per source frame. Derived UIDs are deterministic, so a re-run of the same job writes the
 * same SOP Instance UID: the row is replaced, never duplicated.
 */
export function recordDerivation(db: Db, d: NewDerivation, now = Date.now()): void {
  db.prepare(
    `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, source_frame_index,
       derived_sop_instance_uid, derived_series_uid, derived_sop_class_uid, derived_frame_number, path, sha256, stage,
       model_id, model_sha256, preset, seed, steps, params_json, timings_json, quality_json, created_at)
     VALUES (@jobId, @sourceSopInstanceUid, @sourceSeriesUid, @sourceFrameIndex, @derivedSopInstanceUid,
       @derivedSeriesUid, @derivedSopClassUid, @derivedFrameNumber, @path, @sha256, @stage, @modelId, @modelSha256,
       @preset, @seed, @steps, @params, @timings, @quality, @now)
     ON CONFLICT (derived_sop_instance_uid, source_sop_instance_uid, source_frame_index) DO UPDATE SET
       job_id = excluded.job_id, derived_frame_number = excluded.derived_frame_number, path = excluded.path,
       sha256 = excluded.sha256, params_json = excluded.params_json, timings_json = excluded.timings_json,
       quality_json = excluded.quality_json, created_at = excluded.created_at`,
  ).run({
    ...d,
    sourceFrameIndex: d.sourceFrameIndex ?? 0,
    derivedFrameNumber: d.derivedFrameNumber ?? null,
    modelId: d.modelId ?? null,
    modelSha256: d.modelSha256 ?? null,
    preset: d.preset ?? null,
    seed: d.seed ?? null,
    steps: d.steps ?? null,
    params: JSON.stringify(d.params),
    timings: d.timings === undefined ? null : JSON.stringify(d.timings),
    quality: d.quality === undefined ? null : JSON.stringify(d.quality),
    now,
  });
}

export function derivationsOfJob(db: Db, jobId: number): DerivationRow[] {
  return db.prepare('SELECT * FROM derivations WHERE job_id = ? ORDER BY id').all(jobId) as DerivationRow[];
}

export function derivationsOfSeries(db: Db, derivedSeriesUid: string): DerivationRow[] {
  return db
    .prepare('SELECT * FROM derivations WHERE derived_series_uid = ? ORDER BY id')
    .all(derivedSeriesUid) as DerivationRow[];
}

/** Registers a model the node loaded (id + hash), for the models API and lineage. */
export function recordModelLoaded(
  db: Db,
  m: { id: string; sha256: string; version?: string; path: string; device?: string },
  now = Date.now(),
): void {
  db.prepare(
    `INSERT INTO models (id, sha256, version, path, device, first_loaded_at, last_loaded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id, sha256) DO UPDATE SET last_loaded_at = excluded.last_loaded_at, device = excluded.device,
       path = excluded.path`,
  ).run(m.id, m.sha256, m.version ?? null, m.path, m.device ?? null, now, now);
}
