import type { AppliedProcessing } from '../enhance/applied-processing.js';
import type { Db } from './database.js';

/**
 * What produced the pixels of an enhanced image (migration 5): whether they were called UniMIE
 * and why, the sampler as it ran, and every classical step, in processing order.
 */
export interface WhatRan extends Omit<AppliedProcessing, 'classical'> {
  namedUnimie: boolean;
  /** Why the pixels are (not) called UniMIE (measured gain and bar, missing measurement, …). */
  namingReason: string;
  classicalSteps: string[];
  /** The last ablation's figures for the preset (any JSON), when there were any. */
  measurement?: unknown;
}

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
  /** Enhanced images: what produced the pixels; absent for render-only output. */
  whatRan?: WhatRan;
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
  named_unimie: 0 | 1 | null;
  naming_reason: string | null;
  estimator: 'network' | 'network-free' | null;
  network_evaluations: number | null;
  start_timestep: number | null;
  anchored_start: 0 | 1 | null;
  patch_size: number | null;
  patch_stride: number | null;
  patches_per_image: number | null;
  classical_steps_json: string | null;
  measurement_json: string | null;
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
       model_id, model_sha256, preset, seed, steps, params_json, timings_json, quality_json, created_at,
       named_unimie, naming_reason, estimator, network_evaluations, start_timestep, anchored_start, patch_size, patch_stride,
       patches_per_image, classical_steps_json, measurement_json)
     VALUES (@jobId, @sourceSopInstanceUid, @sourceSeriesUid, @sourceFrameIndex, @derivedSopInstanceUid,
       @derivedSeriesUid, @derivedSopClassUid, @derivedFrameNumber, @path, @sha256, @stage, @modelId, @modelSha256,
       @preset, @seed, @steps, @params, @timings, @quality, @now,
       @namedUnimie, @namingReason, @estimator, @networkEvaluations, @startTimestep, @anchoredStart, @patchSize, @patchStride,
       @patchesPerImage, @classicalSteps, @measurement)
     ON CONFLICT (derived_sop_instance_uid, source_sop_instance_uid, source_frame_index) DO UPDATE SET
       job_id = excluded.job_id, derived_frame_number = excluded.derived_frame_number, path = excluded.path,
       sha256 = excluded.sha256, params_json = excluded.params_json, timings_json = excluded.timings_json,
       quality_json = excluded.quality_json, created_at = excluded.created_at,
       named_unimie = excluded.named_unimie, naming_reason = excluded.naming_reason, estimator = excluded.estimator,
       network_evaluations = excluded.network_evaluations, start_timestep = excluded.start_timestep,
       anchored_start = excluded.anchored_start, patch_size = excluded.patch_size, patch_stride = excluded.patch_stride,
       patches_per_image = excluded.patches_per_image, classical_steps_json = excluded.classical_steps_json,
       measurement_json = excluded.measurement_json`,
  ).run({
    ...withoutWhatRan(d),
    ...whatRanColumns(d.whatRan),
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

function withoutWhatRan(d: NewDerivation): Omit<NewDerivation, 'whatRan'> {
  const { whatRan: _w, ...rest } = d;
  return rest;
}

/** The migration-5 columns of a row (all NULL when what ran is not known). */
function whatRanColumns(w: WhatRan | undefined) {
  return {
    namedUnimie: w ? (w.namedUnimie ? 1 : 0) : null,
    namingReason: w?.namingReason ?? null,
    estimator: w?.estimator ?? null,
    networkEvaluations: w?.networkEvaluationsPerPatch ?? null,
    startTimestep: w?.startTimestep ?? null,
    anchoredStart: w ? (w.anchoredStart ? 1 : 0) : null,
    patchSize: w?.patchSize ?? null,
    patchStride: w?.stride ?? null,
    patchesPerImage: w?.patchesPerImage ?? null,
    classicalSteps: w ? JSON.stringify(w.classicalSteps) : null,
    measurement: w?.measurement === undefined ? null : JSON.stringify(w.measurement),
  };
}

/** What ran, read back from a row; undefined for render-only rows and rows from before migration 5. */
export function whatRanOf(r: DerivationRow): WhatRan | undefined {
  if (r.named_unimie === null || r.estimator === null) return undefined;
  const out: WhatRan = {
    namedUnimie: r.named_unimie === 1,
    namingReason: r.naming_reason ?? '',
    estimator: r.estimator,
    networkEvaluationsPerPatch: r.network_evaluations ?? 0,
    startTimestep: r.start_timestep ?? 0,
    anchoredStart: r.anchored_start === 1,
    patchSize: r.patch_size ?? 0,
    stride: r.patch_stride ?? 0,
    patchesPerImage: r.patches_per_image ?? 0,
    classicalSteps: r.classical_steps_json ? (JSON.parse(r.classical_steps_json) as string[]) : [],
  };
  if (r.measurement_json !== null) out.measurement = JSON.parse(r.measurement_json) as unknown;
  return out;
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
