import { beforeEach, describe, expect, it } from 'vitest';
import { useTempDb } from '../../test/helpers/provenance-db.js';
import type { Db } from './database.js';
import { claimDueDeliveries, listDeliveries, markDeliveryDone } from './deliveries.js';
import { enqueueDeliveries, type DeliverableObject } from './delivery-producer.js';
import { createJob } from './jobs.js';

const getDb = useTempDb('delivery-producer');
let db: Db;
let jobId: number;
beforeEach(() => {
  db = getDb();
  jobId = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} }, 100).id;
});

const derived = (sop: string, path = `/spool/out/${sop}.dcm`): DeliverableObject => ({
  sopInstanceUid: sop,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  seriesUid: '2.25.9',
  path,
});

describe('enqueueDeliveries', () => {
  it('queues every object for every destination, due at once, with its job', () => {
    const queued = enqueueDeliveries(db, { objects: [derived('9.1'), derived('9.2')], destinations: ['pacs', 'archive'], jobId }, 500);
    expect(queued).toBe(4);
    const rows = listDeliveries(db);
    expect(rows.map((r) => [r.destination, r.sopInstanceUid, r.path]).sort()).toEqual([
      ['archive', '9.1', '/spool/out/9.1.dcm'],
      ['archive', '9.2', '/spool/out/9.2.dcm'],
      ['pacs', '9.1', '/spool/out/9.1.dcm'],
      ['pacs', '9.2', '/spool/out/9.2.dcm'],
    ]);
    expect(rows.every((r) => r.state === 'pending' && r.nextAttemptAt === 500 && r.jobId === jobId && !r.forwarded)).toBe(true);
  });

  it('marks forwarded originals so they go out in their own transfer syntax', () => {
    enqueueDeliveries(db, { objects: [derived('1.1')], destinations: ['pacs'], jobId, forwarded: true }, 500);
    expect(listDeliveries(db)).toMatchObject([{ sopInstanceUid: '1.1', forwarded: true }]);
  });

  it('counts only what it added: a waiting row takes the newer file, a delivered one stays as it is', () => {
    enqueueDeliveries(db, { objects: [derived('9.1'), derived('9.2')], destinations: ['pacs'], jobId }, 500);
    const [sent] = claimDueDeliveries(db, { now: 600, limit: 1 });
    markDeliveryDone(db, sent!.id, { now: 610 });
    const waiting = sent!.sopInstanceUid === '9.1' ? '9.2' : '9.1';

    const again = enqueueDeliveries(db, { objects: [derived('9.1', '/spool/rerun/9.1.dcm'), derived('9.2', '/spool/rerun/9.2.dcm'), derived('9.3')], destinations: ['pacs'], jobId }, 700);

    expect(again).toBe(1);
    const rows = new Map(listDeliveries(db).map((r) => [r.sopInstanceUid, r]));
    expect(rows.size).toBe(3);
    expect(rows.get(sent!.sopInstanceUid)).toMatchObject({ state: 'done', path: `/spool/out/${sent!.sopInstanceUid}.dcm`, deliveredAt: 610 });
    expect(rows.get(waiting)).toMatchObject({ state: 'pending', path: `/spool/rerun/${waiting}.dcm` });
    expect(rows.get('9.3')).toMatchObject({ state: 'pending', nextAttemptAt: 700 });
  });

  it('queues all of a batch or none of it', () => {
    const broken = { ...derived('9.2'), path: null as unknown as string };
    expect(() => enqueueDeliveries(db, { objects: [derived('9.1'), broken], destinations: ['pacs'], jobId }, 500)).toThrow(/NOT NULL/);
    expect(listDeliveries(db)).toEqual([]);
  });

  it('queues nothing for no destinations or no objects', () => {
    expect(enqueueDeliveries(db, { objects: [derived('9.1')], destinations: [], jobId }, 500)).toBe(0);
    expect(enqueueDeliveries(db, { objects: [], destinations: ['pacs'], jobId }, 500)).toBe(0);
    expect(listDeliveries(db)).toEqual([]);
  });
});
