import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from './database.js';
import { migrations } from './migrations.js';
import { createJob } from './jobs.js';
import { derivationsOfSeries, recordDerivation, whatRanOf, type WhatRan } from './derivations.js';
import { lineageOf } from './lineage.js';

const WHAT_RAN: WhatRan = {
  namedUnimie: false,
  namingReason: 'network measured +0.21 dB over its network-free twin on noisy kinds, below the 1 dB bar',
  estimator: 'network',
  networkEvaluationsPerPatch: 3,
  startTimestep: 222,
  anchoredStart: true,
  patchSize: 128,
  stride: 64,
  patchesPerImage: 9,
  classicalSteps: ['contrast-stretch', 'local-gamma-start', 'detail-transfer', 'background-copy'],
  measurement: { set: 'heldout', commit: 'abc', noisy: { contributionDb: 0.21 } },
};

function derivation(jobId: number, over: Partial<Parameters<typeof recordDerivation>[1]> = {}) {
  return {
    jobId,
    sourceSopInstanceUid: '1.2.3.1',
    sourceSeriesUid: '1.2.3',
    derivedSopInstanceUid: '2.25.5',
    derivedSeriesUid: '2.25.8',
    derivedSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
    path: '/p',
    sha256: 'ab',
    stage: 'enhance' as const,
    modelId: 'embedded',
    modelSha256: 'cd'.repeat(32),
    preset: 'ct-default',
    params: {},
    ...over,
  };
}

describe('what ran, in the provenance row (migration 5)', () => {
  it('records the name decision, the sampler, the patch grid, the classical steps and the measurement, and reads them back', () => {
    const db = openDatabase(':memory:');
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    recordDerivation(db, derivation(job.id, { whatRan: WHAT_RAN }));
    const [row] = derivationsOfSeries(db, '2.25.8');
    expect(row).toMatchObject({
      named_unimie: 0,
      estimator: 'network',
      network_evaluations: 3,
      start_timestep: 222,
      anchored_start: 1,
      patch_size: 128,
      patch_stride: 64,
      patches_per_image: 9,
    });
    expect(whatRanOf(row!)).toEqual(WHAT_RAN);
    expect(lineageOf(db, '2.25.5').derivedFrom?.derivation.whatRan).toEqual(WHAT_RAN);
  });

  it('replaces it on a re-run of the same derived instance, and leaves render-only rows without it', () => {
    const db = openDatabase(':memory:');
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    recordDerivation(db, derivation(job.id, { whatRan: WHAT_RAN }));
    const earned: WhatRan = { ...WHAT_RAN, namedUnimie: true, namingReason: 'network measured +1.42 dB', classicalSteps: [] };
    recordDerivation(db, derivation(job.id, { whatRan: earned }));
    recordDerivation(db, derivation(job.id, { derivedSopInstanceUid: '2.25.6', stage: 'render', modelId: undefined, modelSha256: undefined, preset: undefined }));
    const rows = derivationsOfSeries(db, '2.25.8');
    expect(rows).toHaveLength(2);
    expect(whatRanOf(rows[0]!)).toMatchObject({ namedUnimie: true, classicalSteps: [] });
    expect(rows[1]!.named_unimie).toBeNull();
    expect(whatRanOf(rows[1]!)).toBeUndefined();
    expect(lineageOf(db, '2.25.6').derivedFrom?.derivation.whatRan).toBeNull();
  });

  it('migration 5 keeps the rows a version-4 database had, with what ran unknown, and refuses a value outside its domain', () => {
    const db = openDatabase(':memory:', migrations.filter((m) => m.version <= 4));
    expect(schemaVersion(db)).toBe(4);
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    db.prepare(
      `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, derived_sop_instance_uid, derived_series_uid,
         derived_sop_class_uid, path, sha256, stage, model_id, params_json, created_at)
       VALUES (?, '1.2.3.1', '1.2.3', '2.25.5', '2.25.8', '1.2.840.10008.5.1.4.1.1.7', '/p', 'ab', 'enhance', 'embedded', '{}', 1)`,
    ).run(job.id);
    expect(migrate(db)).toBe(migrations.filter((m) => m.version > 4).length);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(5);
    const [row] = derivationsOfSeries(db, '2.25.8');
    expect(row).toMatchObject({ model_id: 'embedded', named_unimie: null, estimator: null, classical_steps_json: null });
    expect(whatRanOf(row!)).toBeUndefined();
    expect(() => db.prepare("UPDATE derivations SET estimator = 'oracle'").run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE derivations SET named_unimie = 2').run()).toThrow(/CHECK/);
  });
});
