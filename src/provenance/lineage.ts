import { parseJsonColumn } from './json-column.js';
import type { Db } from './database.js';
import { findBySop, type InstanceRow } from './instances.js';
import { prepared } from './statement-cache.js';
import { whatRanOf, type DerivationRow, type WhatRan } from './derivations.js';

/** The job that produced a derivation (a summary of the `jobs` row). */
export interface LineageJob {
  id: number;
  kind: string;
  seriesUid: string;
  studyUid: string;
  ruleName: string;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface LineageModel {
  id: string;
  sha256: string;
  version: string | null;
  path: string;
  device: string | null;
}

export interface LineageDelivery {
  id: number;
  destination: string;
  sopInstanceUid: string;
  jobId: number | null;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  /** An original forwarded untouched (not a derived object). */
  forwarded: boolean;
}

/** Which source frame a frame of a multi-frame derived object holds. */
export interface LineageFrame {
  derivedFrameNumber: number;
  sourceSopInstanceUid: string;
  sourceFrameIndex: number;
}

/** One `derivations` row with its JSON columns parsed. */
export interface LineageDerivation {
  id: number;
  jobId: number;
  sourceSopInstanceUid: string;
  sourceSeriesUid: string;
  derivedSopInstanceUid: string;
  derivedSeriesUid: string;
  derivedSopClassUid: string;
  path: string;
  sha256: string;
  stage: 'render' | 'enhance';
  modelId: string | null;
  modelSha256: string | null;
  preset: string | null;
  seed: number | null;
  steps: number | null;
  params: unknown;
  timings: unknown;
  quality: unknown;
  createdAt: number;
  /** What produced the pixels (UniMIE or classical, sampler, patch grid, classical steps); null for render-only rows and rows from before it was recorded. */
  whatRan: WhatRan | null;
  /** When retention deleted the derived file (`path`) from the spool; null while it is kept. */
  purgedAt: number | null;
}

/** A derivation with the job and model that made it and where its output went. */
export interface DerivationLink {
  derivation: LineageDerivation;
  job?: LineageJob;
  model?: LineageModel;
  deliveries: LineageDelivery[];
}

/**
 * Both directions of lineage for one SOP Instance UID. A UID can be both a derived object and
 * (when the PACS routed it back) a received one, so every part is filled independently.
 */
export interface Lineage {
  sopInstanceUid: string;
  /** Copies received under this UID, newest first. */
  received: InstanceRow[];
  /**
   * Set when this node produced the UID: the source instance and how it was made (for a
   * multi-frame object: of frame 1, with every frame's source in `frames`).
   */
  derivedFrom?: DerivationLink & { source: InstanceRow[]; frames?: LineageFrame[] };
  /** Objects this node derived from the UID (when it is a source). */
  derivations: DerivationLink[];
  /** Deliveries of this UID itself (a derived object sent, or a source forwarded untouched). */
  deliveries: LineageDelivery[];
}

type RawDerivation = DerivationRow;

function derivedSeriesPurgedAt(db: Db, seriesUid: string): number | null {
  const r = prepared(db, 'SELECT purged_at AS purgedAt FROM derived_series WHERE series_uid = ?').get(seriesUid) as { purgedAt: number | null } | undefined;
  return r?.purgedAt ?? null;
}

function toDerivation(db: Db, r: RawDerivation): LineageDerivation {
  return {
    id: r.id,
    jobId: r.job_id,
    sourceSopInstanceUid: r.source_sop_instance_uid,
    sourceSeriesUid: r.source_series_uid,
    derivedSopInstanceUid: r.derived_sop_instance_uid,
    derivedSeriesUid: r.derived_series_uid,
    derivedSopClassUid: r.derived_sop_class_uid,
    path: r.path,
    sha256: r.sha256,
    stage: r.stage,
    modelId: r.model_id,
    modelSha256: r.model_sha256,
    preset: r.preset,
    seed: r.seed,
    steps: r.steps,
    params: parseJsonColumn(r.params_json),
    timings: parseJsonColumn(r.timings_json),
    quality: parseJsonColumn(r.quality_json),
    createdAt: r.created_at,
    whatRan: whatRanOf(r) ?? null,
    purgedAt: derivedSeriesPurgedAt(db, r.derived_series_uid),
  };
}

function jobById(db: Db, id: number): LineageJob | undefined {
  return prepared(
    db,
    `SELECT id, kind, series_uid AS seriesUid, study_uid AS studyUid, rule_name AS ruleName, state, attempts,
       last_error AS lastError, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt
     FROM jobs WHERE id = ?`,
  ).get(id) as LineageJob | undefined;
}

function model(db: Db, id: string | null, sha256: string | null): LineageModel | undefined {
  if (id === null || sha256 === null) return undefined;
  return prepared(db, 'SELECT id, sha256, version, path, device FROM models WHERE id = ? AND sha256 = ?').get(
    id,
    sha256,
  ) as LineageModel | undefined;
}

function deliveriesOf(db: Db, sopInstanceUid: string): LineageDelivery[] {
  const rows = prepared(
    db,
    `SELECT id, destination, sop_instance_uid AS sopInstanceUid, job_id AS jobId, state, attempts,
       last_status AS lastStatus, last_error AS lastError, created_at AS createdAt, delivered_at AS deliveredAt, forwarded
     FROM deliveries WHERE sop_instance_uid = ? ORDER BY destination, id`,
  ).all(sopInstanceUid) as Array<Omit<LineageDelivery, 'forwarded'> & { forwarded: number }>;
  return rows.map((r) => ({ ...r, forwarded: r.forwarded === 1 }));
}

/** Every frame of a multi-frame derived object with the source frame it holds; undefined for single frames. */
function framesOf(db: Db, derivedSopInstanceUid: string): LineageFrame[] | undefined {
  const rows = prepared(
    db,
    `SELECT derived_frame_number AS derivedFrameNumber, source_sop_instance_uid AS sourceSopInstanceUid,
       source_frame_index AS sourceFrameIndex
     FROM derivations WHERE derived_sop_instance_uid = ? AND derived_frame_number IS NOT NULL ORDER BY derived_frame_number, id`,
  ).all(derivedSopInstanceUid) as LineageFrame[];
  return rows.length > 0 ? rows : undefined;
}

function link(db: Db, d: LineageDerivation): DerivationLink {
  return {
    derivation: d,
    job: jobById(db, d.jobId),
    model: model(db, d.modelId, d.modelSha256),
    deliveries: deliveriesOf(db, d.derivedSopInstanceUid),
  };
}

/**
 * "Where did this derived instance come from" and "where did this source go", from the
 * derivations, jobs, models and deliveries tables. Unknown UIDs give an empty lineage.
 */
export function lineageOf(db: Db, sopInstanceUid: string): Lineage {
  // A multi-frame derived object has one row per source frame; its lineage starts at frame 1.
  const asDerived = prepared(
    db,
    'SELECT * FROM derivations WHERE derived_sop_instance_uid = ? ORDER BY derived_frame_number, id LIMIT 1',
  ).get(sopInstanceUid) as RawDerivation | undefined;
  const asSource = prepared(
    db,
    'SELECT * FROM derivations WHERE source_sop_instance_uid = ? ORDER BY created_at, id',
  ).all(sopInstanceUid) as RawDerivation[];

  let derivedFrom: Lineage['derivedFrom'];
  if (asDerived) {
    const d = toDerivation(db, asDerived);
    const frames = framesOf(db, sopInstanceUid);
    derivedFrom = { ...link(db, d), source: findBySop(db, d.sourceSopInstanceUid), ...(frames ? { frames } : {}) };
  }
  return {
    sopInstanceUid,
    received: findBySop(db, sopInstanceUid),
    derivedFrom,
    derivations: asSource.map((r) => link(db, toDerivation(db, r))),
    deliveries: deliveriesOf(db, sopInstanceUid),
  };
}
