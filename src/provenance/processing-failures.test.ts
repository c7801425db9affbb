import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from './database.js';
import { migrations } from './migrations.js';
import { createJob, getJob } from './jobs.js';
import { processingFailuresOfJob, recordProcessingFailure, setJobFailedSlices } from './processing-failures.js';
import { derivationsOfSeries, recordDerivation } from './derivations.js';

describe('processing failures and multi-frame derivations (migration 2)', () => {
  it('records one failure per job and instance, replaced on re-run, and summarises it on the job row', () => {
    const db = openDatabase(':memory:');
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    const failure = { jobId: job.id, seriesUid: '1.2.3', sopInstanceUid: '1.2.3.4', path: '/spool/x.dcm', reasonCode: 'PACS_E_PIXEL_DECODE', reason: 'JPEG: corrupt stream' };
    recordProcessingFailure(db, failure, 1);
    recordProcessingFailure(db, { ...failure, reason: 'JPEG: corrupt stream (again)' }, 2);
    const rows = processingFailuresOfJob(db, job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sopInstanceUid: '1.2.3.4', reason: 'JPEG: corrupt stream (again)', createdAt: 2 });
    setJobFailedSlices(db, job.id, [failure]);
    expect(JSON.parse(getJob(db, job.id)!.failed_slices_json!)).toEqual([
      expect.objectContaining({ sopInstanceUid: '1.2.3.4', reasonCode: 'PACS_E_PIXEL_DECODE' }),
    ]);
    setJobFailedSlices(db, job.id, []);
    expect(getJob(db, job.id)!.failed_slices_json).toBeNull();
  });

  it('keeps one derivation row per source frame of a multi-frame derived object', () => {
    const db = openDatabase(':memory:');
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    const base = { jobId: job.id, sourceSeriesUid: '1.2.3', derivedSopInstanceUid: '2.25.9', derivedSeriesUid: '2.25.8', derivedSopClassUid: '1.2.840.10008.5.1.4.1.1.7.4', path: '/p', sha256: 'ab', stage: 'render' as const, params: {} };
    for (const [i, sop] of ['1.2.3.1', '1.2.3.2', '1.2.3.3'].entries()) recordDerivation(db, { ...base, sourceSopInstanceUid: sop, derivedFrameNumber: i + 1 });
    recordDerivation(db, { ...base, sourceSopInstanceUid: '1.2.3.2', derivedFrameNumber: 2, sha256: 'cd' });
    const rows = derivationsOfSeries(db, '2.25.8');
    expect(rows.map((r) => [r.source_sop_instance_uid, r.derived_frame_number, r.sha256])).toEqual([
      ['1.2.3.1', 1, 'ab'],
      ['1.2.3.2', 2, 'cd'],
      ['1.2.3.3', 3, 'ab'],
    ]);
  });

  it('migration 2 keeps the derivations a version-1 database already had', () => {
    const db = openDatabase(':memory:', migrations.slice(0, 1));
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    db.prepare(
      `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, derived_sop_instance_uid, derived_series_uid,
         derived_sop_class_uid, path, sha256, stage, params_json, created_at) VALUES (?, '1.2.3.1', '1.2.3', '2.25.5', '2.25.8', '1.2.840.10008.5.1.4.1.1.7', '/p', 'ab', 'render', '{"frameIndex":3}', 1)`,
    ).run(job.id);
    expect(migrate(db)).toBe(migrations.length - 1);
    const rows = derivationsOfSeries(db, '2.25.8');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source_sop_instance_uid: '1.2.3.1', source_frame_index: 3, derived_frame_number: null });
  });
});
