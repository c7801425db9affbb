import { beforeEach, describe, expect, it } from 'vitest';
import { newInstance, useTempDb } from '../../test/helpers/provenance-db.js';
import type { Db } from './database.js';
import { claimDueDeliveries, listDeliveries, markDeliveryDone } from './deliveries.js';
import { enqueueForwarding } from './forwarding.js';
import { insertInstance, setInstanceStatus } from './instances.js';
import { createJob, getJob, listJobs } from './jobs.js';

const getDb = useTempDb('forwarding');
const inst = newInstance;
let db: Db;
beforeEach(() => (db = getDb()));

const request = { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', destinations: ['pacs', 'archive'] };

describe('enqueueForwarding', () => {
  it('queues every current original, undecodable ones included, never own output or a replaced copy', () => {
    insertInstance(db, inst('1.1'));
    insertInstance(db, inst('1.2', { status: 'unprocessable', transferSyntaxUid: '1.2.840.10008.1.2.4.102' }));
    insertInstance(db, inst('1.3', { status: 'own_output' }));
    const old = insertInstance(db, inst('1.4', { sha256: 'old' }));
    setInstanceStatus(db, old, 'replaced', 'replaced by a re-send');
    insertInstance(db, inst('1.4', { sha256: 'new', path: '/spool/1.4-new.dcm' }));
    insertInstance(db, inst('9.9', { seriesUid: '9.9' }));

    const { job, queued } = enqueueForwarding(db, request, 5000);
    expect(job).toMatchObject({ kind: 'forward', state: 'done', rule_name: 'ct', finished_at: 5000 });
    expect(queued).toBe(6);
    const rows = listDeliveries(db);
    expect(rows.map((r) => [r.destination, r.sopInstanceUid, r.path, r.transferSyntaxUid]).sort()).toEqual(
      [
        ['archive', '1.1', '/spool/1.1.dcm', '1.2.840.10008.1.2.1'],
        ['archive', '1.2', '/spool/1.2.dcm', '1.2.840.10008.1.2.4.102'],
        ['archive', '1.4', '/spool/1.4-new.dcm', '1.2.840.10008.1.2.1'],
        ['pacs', '1.1', '/spool/1.1.dcm', '1.2.840.10008.1.2.1'],
        ['pacs', '1.2', '/spool/1.2.dcm', '1.2.840.10008.1.2.4.102'],
        ['pacs', '1.4', '/spool/1.4-new.dcm', '1.2.840.10008.1.2.1'],
      ].sort(),
    );
    expect(rows.every((r) => r.forwarded && r.jobId === job.id && r.state === 'pending')).toBe(true);
  });

  it('forwards again only what is new, or an original re-sent with other bytes', () => {
    insertInstance(db, inst('1.1'));
    const resent = insertInstance(db, inst('1.2'));
    enqueueForwarding(db, { ...request, destinations: ['pacs'] }, 100);
    for (const r of claimDueDeliveries(db, { now: 200, limit: 10 })) markDeliveryDone(db, r.id, { now: 210 });

    // A late arrival, and 1.2 sent to us again with other bytes (the older copy is replaced).
    insertInstance(db, inst('1.3'));
    const first = listDeliveries(db).find((r) => r.sopInstanceUid === '1.2')!;
    setInstanceStatus(db, resent, 'replaced', 'replaced by a re-send');
    insertInstance(db, inst('1.2', { sha256: 'corrected', path: '/spool/1.2-corrected.dcm' }));
    const { queued } = enqueueForwarding(db, { ...request, destinations: ['pacs'] }, 300);

    expect(queued).toBe(2);
    const rows = new Map(listDeliveries(db).map((r) => [r.sopInstanceUid, r]));
    expect(rows.get('1.1')).toMatchObject({ state: 'done', deliveredAt: 210 });
    expect(rows.get('1.2')).toMatchObject({ id: first.id, state: 'pending', path: '/spool/1.2-corrected.dcm', attempts: 0, deliveredAt: null });
    expect(rows.get('1.3')).toMatchObject({ state: 'pending' });
  });

  it('a forward job neither supersedes nor is superseded by the processing job of the same rule', () => {
    insertInstance(db, inst('1.1'));
    const processing = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} }, 100);
    const { job: forward } = enqueueForwarding(db, request, 100);
    expect(getJob(db, processing.id)?.state).toBe('pending');
    expect(forward.supersedes_job_id).toBeNull();
    const again = enqueueForwarding(db, request, 200).job;
    expect(again.supersedes_job_id).toBe(forward.id);
    expect(listJobs(db).map((j) => [j.kind, j.state]).sort()).toEqual([
      ['forward', 'done'],
      ['forward', 'done'],
      ['series', 'pending'],
    ]);
  });
});
