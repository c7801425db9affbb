import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { insertInstance } from './instances.js';
import { lineageOf } from './lineage.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lineage-'));
  db = openDatabase(join(dir, 'node.sqlite'));
  // Rows other repositories write; inserted raw here so this test depends only on the schema.
  db.prepare(
    `INSERT INTO jobs (id, series_uid, study_uid, rule_name, action_json, state, attempts, next_run_at, created_at, updated_at, finished_at)
     VALUES (7, 'src.series', 'st', 'ct-soft', '{}', 'done', 1, 0, 100, 200, 200)`,
  ).run();
  db.prepare(
    `INSERT INTO models (id, sha256, version, path, device, first_loaded_at, last_loaded_at)
     VALUES ('unimie-small', 'abc', '1', '/m/model.onnx', 'cpu', 1, 1)`,
  ).run();
  const derivation = db.prepare(
    `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, derived_sop_instance_uid, derived_series_uid,
       derived_sop_class_uid, path, sha256, stage, model_id, model_sha256, preset, seed, steps, params_json, timings_json, created_at)
     VALUES (7, ?, 'src.series', ?, '2.25.100', '1.2.840.10008.5.1.4.1.1.7', ?, 'h', ?, ?, ?, 'soft', 42, 20, ?, ?, 150)`,
  );
  derivation.run('src.1', '2.25.1', '/d/1', 'enhance', 'unimie-small', 'abc', '{"window":"soft"}', '{"ms":12}');
  derivation.run('src.1', '2.25.2', '/d/2', 'render', null, null, '{"window":"bone"}', null);
  const delivery = db.prepare(
    `INSERT INTO deliveries (destination, sop_instance_uid, sop_class_uid, transfer_syntax_uid, series_uid, path, job_id, state,
       attempts, next_attempt_at, last_status, created_at, updated_at, delivered_at)
     VALUES (?, ?, '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1', '2.25.100', '/d', 7, ?, 1, 0, ?, 160, 170, ?)`,
  );
  delivery.run('pacs', '2.25.1', 'done', 0, 170);
  delivery.run('archive', '2.25.1', 'dead', 0xa900, null);
  delivery.run('pacs', 'src.1', 'done', 0, 180);
  insertInstance(db, {
    sopInstanceUid: 'src.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    seriesUid: 'src.series',
    studyUid: 'st',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    path: '/s/1',
    size: 1,
    sha256: 's',
    receivedAt: 50,
    status: 'stored',
  });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lineageOf', () => {
  it('answers "where did this derived instance come from"', () => {
    const l = lineageOf(db, '2.25.1');
    expect(l.received).toEqual([]);
    expect(l.derivations).toEqual([]);
    expect(l.derivedFrom?.source.map((s) => s.sopInstanceUid)).toEqual(['src.1']);
    expect(l.derivedFrom?.derivation).toMatchObject({
      sourceSopInstanceUid: 'src.1',
      stage: 'enhance',
      seed: 42,
      steps: 20,
      params: { window: 'soft' },
      timings: { ms: 12 },
      quality: null,
    });
    expect(l.derivedFrom?.job).toMatchObject({ id: 7, ruleName: 'ct-soft', state: 'done', attempts: 1 });
    expect(l.derivedFrom?.model).toEqual({ id: 'unimie-small', sha256: 'abc', version: '1', path: '/m/model.onnx', device: 'cpu' });
    expect(l.deliveries.map((d) => [d.destination, d.state, d.lastStatus])).toEqual([
      ['archive', 'dead', 0xa900],
      ['pacs', 'done', 0],
    ]);
  });

  it('answers "where did this source go"', () => {
    const l = lineageOf(db, 'src.1');
    expect(l.derivedFrom).toBeUndefined();
    expect(l.received.map((r) => r.sopInstanceUid)).toEqual(['src.1']);
    expect(l.derivations.map((d) => d.derivation.derivedSopInstanceUid)).toEqual(['2.25.1', '2.25.2']);
    expect(l.derivations[0].deliveries).toHaveLength(2);
    expect(l.derivations[1].model).toBeUndefined();
    expect(l.derivations[1].deliveries).toEqual([]);
    expect(l.deliveries.map((d) => d.destination)).toEqual(['pacs']);
  });

  it('gives an empty lineage for an unknown UID', () => {
    expect(lineageOf(db, '9.9.9')).toEqual({
      sopInstanceUid: '9.9.9',
      received: [],
      derivedFrom: undefined,
      derivations: [],
      deliveries: [],
    });
  });
});

describe('lineageOf: multi-frame derived objects and forwarded originals', () => {
  it('lists every frame of a multi-frame object with its source frame, and marks forwarded deliveries', () => {
    const frame = db.prepare(
      `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, source_frame_index, derived_sop_instance_uid,
         derived_series_uid, derived_sop_class_uid, derived_frame_number, path, sha256, stage, params_json, created_at)
       VALUES (7, ?, 'src.series', ?, '2.25.9', '2.25.100', '1.2.840.10008.5.1.4.1.1.7.4', ?, '/d/9', 'h', 'render', '{}', 150)`,
    );
    frame.run('src.2', 0, 2);
    frame.run('src.1', 0, 1);
    frame.run('src.3', 4, 3);
    const l = lineageOf(db, '2.25.9');
    expect(l.derivedFrom?.derivation.sourceSopInstanceUid).toBe('src.1');
    expect(l.derivedFrom?.frames).toEqual([
      { derivedFrameNumber: 1, sourceSopInstanceUid: 'src.1', sourceFrameIndex: 0 },
      { derivedFrameNumber: 2, sourceSopInstanceUid: 'src.2', sourceFrameIndex: 0 },
      { derivedFrameNumber: 3, sourceSopInstanceUid: 'src.3', sourceFrameIndex: 4 },
    ]);
    expect(lineageOf(db, '2.25.1').derivedFrom?.frames).toBeUndefined();

    db.prepare('UPDATE deliveries SET forwarded = 1 WHERE sop_instance_uid = ?').run('src.1');
    expect(lineageOf(db, 'src.1').deliveries.map((d) => [d.destination, d.forwarded])).toEqual([['pacs', true]]);
    expect(lineageOf(db, '2.25.1').deliveries.every((d) => !d.forwarded)).toBe(true);
  });
});
