import { beforeEach, describe, expect, it } from 'vitest';
import { newInstance, useTempDb } from '../../test/helpers/provenance-db.js';
import { insertRejectedAssociation } from './associations.js';
import type { Db } from './database.js';
import { claimDueDeliveries, enqueueDelivery, markDeliveryDone, markDeliveryFailed } from './deliveries.js';
import { recordDerivation } from './derivations.js';
import { getDerivedSeries, registerDerivedSeries } from './derived-series.js';
import { enqueueForwarding } from './forwarding.js';
import { insertInstance, listBySeries, restoreInstance } from './instances.js';
import { claimNextJob, completeJob, createJob, failJob, seriesAwaitingJobs } from './jobs.js';
import { lineageOf } from './lineage.js';
import { insertQuarantine, getQuarantine } from './quarantine.js';
import {
  derivedFilesOf,
  derivedSeriesForRetention,
  markDerivedPurged,
  markOriginalsPurged,
  markQuarantinePurged,
  originalFilesOf,
  originalSeriesForRetention,
  undeliveredAt,
} from './retention.js';
import { pruneRows, totalRows } from './retention-rows.js';
import { recordSeriesArrival } from './series.js';

const getDb = useTempDb('retention');
let db: Db;
beforeEach(() => (db = getDb()));

const SERIES = '1.2.3';
const DERIVED = '9.9.9';

function receive(sop: string, at = 1000): number {
  const id = insertInstance(db, newInstance(sop, { receivedAt: at, associationId: null }));
  recordSeriesArrival(db, { seriesUid: SERIES, studyUid: '1.2', receivedAt: at });
  return id;
}

/** A series job, run to the end, that wrote one derived object queued for `pacs`. */
function processed(now: number): { jobId: number; deliveryId: number } {
  const job = createJob(db, { seriesUid: SERIES, studyUid: '1.2', ruleName: 'ct', action: {} }, now);
  claimNextJob(db, 'w', now);
  registerDerivedSeries(db, { seriesUid: DERIVED, sourceSeriesUid: SERIES, studyUid: '1.2', jobId: job.id, outputKind: 'sc-rgb', createdAt: now });
  recordDerivation(db, {
    jobId: job.id, sourceSopInstanceUid: '1.1', sourceSeriesUid: SERIES, derivedSopInstanceUid: '9.1', derivedSeriesUid: DERIVED,
    derivedSopClassUid: '1.2.840.10008.5.1.4.1.1.7', path: '/spool/derived/9.1.dcm', sha256: 'x', stage: 'render', params: {},
  }, now);
  completeJob(db, job.id, now);
  const d = enqueueDelivery(db, { destination: 'pacs', sopInstanceUid: '9.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxUid: '1.2.840.10008.1.2.1', seriesUid: DERIVED, path: '/spool/derived/9.1.dcm', jobId: job.id }, now);
  return { jobId: job.id, deliveryId: d.delivery.id };
}

const deliver = (now: number) => {
  for (const r of claimDueDeliveries(db, { now, limit: 100 })) markDeliveryDone(db, r.id, { now });
};
const state = () => originalSeriesForRetention(db).find((s) => s.seriesUid === SERIES)!;

describe('retention in the provenance database', () => {
  it('keeps originals while a job or delivery of their series is unfinished, and sees when it is covered', () => {
    receive('1.1');
    receive('1.2');
    expect(state()).toMatchObject({ activeJobs: 0, queuedDeliveries: 0, covered: false, lastReceivedAt: 1000 });
    expect(originalFilesOf(db, SERIES).map((f) => f.path)).toEqual(['/spool/1.1.dcm', '/spool/1.2.dcm']);

    processed(2000);
    expect(state()).toMatchObject({ activeJobs: 0, queuedDeliveries: 1, covered: true, jobRules: ['ct'] });
    expect(derivedSeriesForRetention(db)).toEqual([expect.objectContaining({ seriesUid: DERIVED, queuedDeliveries: 1, activeSourceJobs: 0 })]);
    expect(markOriginalsPurged(db, SERIES, 1000, 2500)).toBe(false);
    expect(markDerivedPurged(db, DERIVED, 2500)).toBe(false);

    // Forwarded originals: their deliveries count too; a dead one keeps them.
    enqueueForwarding(db, { seriesUid: SERIES, studyUid: '1.2', ruleName: 'fwd', destinations: ['archive'] }, 3000);
    deliver(3100);
    expect(state()).toMatchObject({ queuedDeliveries: 0, deadDeliveries: 0, lastActivityAt: 3100 });

    // A dead job keeps them until a later job of its rule replaced it.
    const retry = createJob(db, { seriesUid: SERIES, studyUid: '1.2', ruleName: 'mr', action: {} }, 4000);
    claimNextJob(db, 'w', 4000);
    failJob(db, retry.id, 'boom', { retryable: false, retryAt: 4000 }, 4000);
    expect(state().activeJobs).toBe(1);
    const again = createJob(db, { seriesUid: SERIES, studyUid: '1.2', ruleName: 'mr', action: {} }, 4100);
    claimNextJob(db, 'w', 4100);
    completeJob(db, again.id, 4200);
    expect(state().activeJobs).toBe(0);
  });

  it('marks purged only if nothing arrived since the inventory; purged copies leave the series and come back when re-sent', () => {
    const id = receive('1.1');
    processed(2000);
    deliver(2100);
    expect(markOriginalsPurged(db, SERIES, 999, 3000)).toBe(false); // another arrival time: changed since the inventory
    expect(markOriginalsPurged(db, SERIES, 1000, 3000)).toBe(true);
    expect(listBySeries(db, SERIES)).toEqual([]);
    expect(listBySeries(db, SERIES, 'stored', { includePurged: true })).toEqual([expect.objectContaining({ sopInstanceUid: '1.1', purgedAt: 3000 })]);
    expect(originalSeriesForRetention(db)).toEqual([]);
    expect(seriesAwaitingJobs(db)).toEqual([]);

    // Lineage still answers, and says what is gone.
    const l = lineageOf(db, '9.1');
    expect(l.derivedFrom!.source[0]).toMatchObject({ sopInstanceUid: '1.1', purgedAt: 3000 });
    expect(l.derivedFrom!.derivation.purgedAt).toBeNull();
    expect(markDerivedPurged(db, DERIVED, 3100)).toBe(true);
    expect(lineageOf(db, '9.1').derivedFrom!.derivation.purgedAt).toBe(3100);
    expect(derivedFilesOf(db, DERIVED)).toEqual(['/spool/derived/9.1.dcm']);

    // A re-run writes the derived series again; a re-send brings the original back.
    registerDerivedSeries(db, { seriesUid: DERIVED, sourceSeriesUid: SERIES, studyUid: '1.2', outputKind: 'sc-rgb', createdAt: 5000 });
    expect(getDerivedSeries(db, DERIVED)!.purgedAt).toBeNull();
    restoreInstance(db, id, 'stored');
    expect(listBySeries(db, SERIES).map((i) => i.purgedAt)).toEqual([null]);
  });

  it('lists undelivered series and objects of a folder destination', () => {
    receive('1.1');
    const { deliveryId } = processed(2000);
    expect(undeliveredAt(db, 'pacs')).toEqual({ series: new Set([DERIVED]), sops: new Set(['9.1']) });
    const [row] = claimDueDeliveries(db, { now: 2100, limit: 1 });
    markDeliveryFailed(db, row!.id, { now: 2200, error: 'refused', permanent: true, maxAttempts: 3, retryDelayMs: () => 0 });
    expect(row!.id).toBe(deliveryId);
    expect(undeliveredAt(db, 'pacs').sops.has('9.1')).toBe(true); // dead: not delivered
    expect(undeliveredAt(db, 'other').series.size).toBe(0);
  });

  it('deletes the rows of a series only once every file of it is purged and it is older than the cut-off; a dry run counts the same and keeps them', () => {
    receive('1.1');
    processed(2000);
    deliver(2100);
    insertRejectedAssociation(db, { id: 'a1', listener: 'main', transport: 't', callingAe: 'X', calledAe: 'Y', remoteHost: '127.0.0.1', startedAt: 500 }, 'not allowed');
    const q = insertQuarantine(db, { path: '/spool/quarantine/q.dcm', size: 10, reasonCode: 'PACS_E_X', reason: 'bad', dimseStatus: 0xc000, receivedAt: 600 });

    // Files kept: only the association goes.
    expect(pruneRows(db, 10_000, { dryRun: true })).toMatchObject({ series: 0, associations: 1, quarantine: 0 });
    markOriginalsPurged(db, SERIES, 1000, 3000);
    expect(pruneRows(db, 10_000, { dryRun: true }).series).toBe(0); // the derived series still has its file
    markDerivedPurged(db, DERIVED, 3000);
    markQuarantinePurged(db, q, 3000);
    expect(getQuarantine(db, q)!.purgedAt).toBe(3000);
    expect(pruneRows(db, 1500, { dryRun: true }).series).toBe(0); // activity after the cut-off

    const planned = pruneRows(db, 10_000, { dryRun: true });
    expect(planned).toMatchObject({ series: 1, instances: 1, jobs: 1, derivations: 1, derivedSeries: 1, deliveries: 1, quarantine: 1, associations: 1 });
    expect(lineageOf(db, '9.1').derivedFrom).toBeDefined(); // rolled back
    const done = pruneRows(db, 10_000);
    expect(done).toEqual(planned);
    expect(totalRows(done)).toBe(8);
    expect(lineageOf(db, '9.1')).toMatchObject({ received: [], derivations: [], deliveries: [] });
    expect(lineageOf(db, '9.1').derivedFrom).toBeUndefined();
  });
});
