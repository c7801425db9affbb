import type { Db } from '../../src/provenance/database.js';
import { closeAssociation, insertOpenAssociation, insertRejectedAssociation } from '../../src/provenance/associations.js';
import {
  claimDueDeliveries,
  enqueueDelivery,
  markDeliveryDone,
  markDeliveryFailed,
  type NewDelivery,
} from '../../src/provenance/deliveries.js';
import { recordDerivation } from '../../src/provenance/derivations.js';
import { registerDerivedSeries } from '../../src/provenance/derived-series.js';
import { insertInstance } from '../../src/provenance/instances.js';
import { claimNextJob, completeJob, createJob, failJob, heartbeatJob } from '../../src/provenance/jobs.js';
import { insertQuarantine } from '../../src/provenance/quarantine.js';
import { recordSeriesArrival } from '../../src/provenance/series.js';

export const UID = {
  study: '1.2.826.0.1.3680043.10.1',
  series: '1.2.826.0.1.3680043.10.1.1',
  otherSeries: '1.2.826.0.1.3680043.10.1.2',
  source1: '1.2.826.0.1.3680043.10.1.1.1',
  source2: '1.2.826.0.1.3680043.10.1.1.2',
  derivedSeries: '1.2.826.0.1.3680043.10.1.9',
  derived1: '1.2.826.0.1.3680043.10.1.9.1',
  derived2: '1.2.826.0.1.3680043.10.1.9.2',
  unknown: '1.2.826.0.1.3680043.10.99',
};

const CT = '1.2.840.10008.5.1.4.1.1.2';
const SC = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT = '1.2.840.10008.1.2.1';

export interface Seeded {
  jobs: { done: number; running: number; dead: number; pending: number };
  deliveries: { done: number; dead: number; pending: number };
}

/**
 * A small history through the provenance repositories: one accepted and one rejected
 * association, a CT series of two instances, a done job that derived a series, a running job
 * with progress, a dead job, a pending job, deliveries done / dead / pending and a quarantined file.
 */
export function seedProvenance(db: Db, t0 = Date.now() - 60_000): Seeded {
  insertOpenAssociation(db, { id: 'assoc-1', listener: 'main', transport: 'dcmjs-dimse', callingAe: 'STORESCU', calledAe: 'UNIMIE', remoteHost: '127.0.0.1', startedAt: t0 });
  insertRejectedAssociation(db, { id: 'assoc-2', listener: 'main', transport: 'dcmjs-dimse', callingAe: 'INTRUDER', calledAe: 'UNIMIE', remoteHost: '10.0.0.9', startedAt: t0 + 1 }, 'calling AE title not allowed');

  for (const [i, sop] of [UID.source1, UID.source2].entries()) {
    insertInstance(db, {
      sopInstanceUid: sop,
      sopClassUid: CT,
      seriesUid: UID.series,
      studyUid: UID.study,
      transferSyntaxUid: EXPLICIT,
      instanceNumber: i + 1,
      path: `/spool/studies/${sop}.dcm`,
      size: 1000 + i,
      sha256: String(i).repeat(64),
      associationId: 'assoc-1',
      receivedAt: t0 + 10 + i,
      status: 'stored',
    });
    recordSeriesArrival(db, { seriesUid: UID.series, studyUid: UID.study, modality: 'CT', description: 'chest', callingAe: 'STORESCU', calledAe: 'UNIMIE', receivedAt: t0 + 10 + i });
  }
  closeAssociation(db, 'assoc-1', 'released', t0 + 20);
  insertInstance(db, {
    sopInstanceUid: `${UID.otherSeries}.1`, sopClassUid: CT, seriesUid: UID.otherSeries, studyUid: UID.study, transferSyntaxUid: EXPLICIT,
    path: '/spool/other.dcm', size: 500, sha256: 'f'.repeat(64), receivedAt: t0 + 30, status: 'stored',
  });
  recordSeriesArrival(db, { seriesUid: UID.otherSeries, studyUid: UID.study, modality: 'CT', receivedAt: t0 + 30 });

  const action = { windows: ['soft-tissue'], enhance: 'none', output: 'sc-rgb', destinations: ['outbox', 'pacs'] };
  const done = createJob(db, { seriesUid: UID.series, studyUid: UID.study, ruleName: 'ct', action }, t0 + 100).id;
  claimNextJob(db, 'test', t0 + 101);
  registerDerivedSeries(db, { seriesUid: UID.derivedSeries, sourceSeriesUid: UID.series, studyUid: UID.study, jobId: done, outputKind: 'sc-rgb', seriesNumber: 1001, description: 'chest (soft-tissue)', createdAt: t0 + 102 });
  for (const [src, der] of [[UID.source1, UID.derived1], [UID.source2, UID.derived2]] as const) {
    recordDerivation(db, {
      jobId: done, sourceSopInstanceUid: src, sourceSeriesUid: UID.series, derivedSopInstanceUid: der, derivedSeriesUid: UID.derivedSeries,
      derivedSopClassUid: SC, path: `/spool/derived/${der}.dcm`, sha256: 'd'.repeat(64), stage: 'render', params: { window: 'soft-tissue' },
    }, t0 + 103);
  }
  completeJob(db, done, t0 + 104);

  const running = createJob(db, { seriesUid: UID.series, studyUid: UID.study, ruleName: 'ct-lung', action }, t0 + 200).id;
  claimNextJob(db, 'test', t0 + 201);
  heartbeatJob(db, running, { window: 'lung', windowIndex: 0, windows: 1, slicesDone: 1, slices: 2, step: 3, steps: 4 }, t0 + 202);

  const dead = createJob(db, { seriesUid: UID.otherSeries, studyUid: UID.study, ruleName: 'ct', action }, t0 + 300).id;
  claimNextJob(db, 'test', t0 + 301);
  failJob(db, dead, 'model exploded', { retryable: false, retryAt: t0 + 302 }, t0 + 302);

  const pending = createJob(db, { seriesUid: `${UID.study}.77`, studyUid: UID.study, ruleName: 'ct', action, runAt: t0 + 10 ** 9 }, t0 + 400).id;

  const d = (sop: string, destination: string): NewDelivery => ({
    destination, sopInstanceUid: sop, sopClassUid: SC, transferSyntaxUid: EXPLICIT, seriesUid: UID.derivedSeries, path: `/spool/derived/${sop}.dcm`, jobId: done,
  });
  const deliveredId = enqueueDelivery(db, d(UID.derived1, 'outbox'), t0 + 500).delivery.id;
  claimDueDeliveries(db, { now: t0 + 501, limit: 10, destinations: ['outbox'] });
  markDeliveryDone(db, deliveredId, { now: t0 + 502 });
  const deadId = enqueueDelivery(db, d(UID.derived2, 'pacs'), t0 + 500).delivery.id;
  claimDueDeliveries(db, { now: t0 + 501, limit: 10, destinations: ['pacs'] });
  markDeliveryFailed(db, deadId, { now: t0 + 503, error: 'association rejected', status: 0xa700, permanent: true, maxAttempts: 3, retryDelayMs: () => 1000 });
  const pendingId = enqueueDelivery(db, d(UID.derived2, 'outbox'), t0 + 600).delivery.id;

  insertQuarantine(db, {
    associationId: 'assoc-1', callingAe: 'STORESCU', sopInstanceUid: null, path: '/spool/quarantine/x.bin', size: 12,
    reasonCode: 'PACS_E_NOT_DICOM', reason: 'not a DICOM Part-10 object', dimseStatus: 0xc000, receivedAt: t0 + 15,
  });
  return { jobs: { done, running, dead, pending }, deliveries: { done: deliveredId, dead: deadId, pending: pendingId } };
}
