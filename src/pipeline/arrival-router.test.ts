import { beforeEach, describe, expect, it } from 'vitest';
import { useTempDb } from '../../test/helpers/provenance-db.js';
import { parseConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import { listDeliveries } from '../provenance/deliveries.js';
import { insertInstance } from '../provenance/instances.js';
import { listJobs } from '../provenance/jobs.js';
import type { StoredInstance } from '../receive/receive-types.js';
import { silentLogger } from '../shared/log.js';
import { ArrivalRouter } from './arrival-router.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `node: { aeTitle: UNIMIE }
listeners:
  - { name: main, aeTitle: UNIMIE, allow: [{ aeTitle: STORESCU }] }
destinations:
  pacs: { kind: dimse, aeTitle: PACS, host: 127.0.0.1, port: 4242 }
  archive: { kind: folder, path: ./archive }
`;
const RULES = `rules:
  - name: ct
    match: { modality: CT }
    actions: { forward: [archive], enhance: none, destinations: [pacs] }
  - name: video
    match: { modality: ES }
    actions: { forward: [pacs, archive] }
  - name: us
    match: { modality: US }
    actions: { enhance: none, destinations: [pacs] }
  - name: xa
    match: { modality: XA }
    completion: { lateArrival: ignore }
    actions: { forward: [archive], enhance: none, destinations: [pacs] }
  - name: default
    default: true
    actions: { drop: true }
`;
const config = parseConfig({ node: { file: '/etc/unimie/node.yaml', text: NODE }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } });

const getDb = useTempDb('router');
let db: Db;
beforeEach(() => (db = getDb()));

/** Stores one instance row of a series and returns the receiver's event for it. */
function arrival(modality: string, sop: string, status: 'stored' | 'unprocessable'): StoredInstance {
  const seriesUid = `1.2.${modality.charCodeAt(0)}`;
  const row = {
    sopInstanceUid: sop,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
    seriesUid,
    studyUid: '1.2',
    transferSyntaxUid: status === 'stored' ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2.4.102',
    path: `/spool/${sop}.dcm`,
    size: 10,
    sha256: sop,
    receivedAt: 1000,
    status,
  };
  const instanceId = insertInstance(db, row);
  return { ...row, instanceId, modality, callingAe: 'STORESCU', calledAe: 'UNIMIE', header: { Modality: modality } };
}

function router() {
  const calls = { jobs: 0, forwards: 0 };
  const r = new ArrivalRouter({
    db,
    config: () => config,
    log: silentLogger,
    onJobsCreated: (n) => (calls.jobs += n),
    onForwardsQueued: (n) => (calls.forwards += n),
  });
  return { r, calls };
}

describe('ArrivalRouter: forwarding', () => {
  it('a forward-only rule queues the originals, undecodable ones included, and creates no processing job', () => {
    const { r, calls } = router();
    r.onStored(arrival('ES', '9.1', 'unprocessable'));
    r.onStored(arrival('ES', '9.2', 'unprocessable'));
    expect(r.flush()).toBe(0);
    r.stop();
    expect(listJobs(db).map((j) => [j.kind, j.rule_name, j.state])).toEqual([['forward', 'video', 'done']]);
    expect(listDeliveries(db).map((d) => [d.destination, d.sopInstanceUid, d.forwarded])).toEqual([
      ['pacs', '9.1', true],
      ['pacs', '9.2', true],
      ['archive', '9.1', true],
      ['archive', '9.2', true],
    ]);
    expect(calls).toEqual({ jobs: 0, forwards: 4 });
  });

  it('forward beside processing: the originals are queued when the series completes, with the processing job', () => {
    const { r, calls } = router();
    r.onStored(arrival('CT', '1.1', 'stored'));
    r.onStored(arrival('CT', '1.2', 'stored'));
    expect(r.flush()).toBe(1);
    r.stop();
    expect(listJobs(db).map((j) => [j.kind, j.state]).sort()).toEqual([
      ['forward', 'done'],
      ['series', 'pending'],
    ]);
    expect(listDeliveries(db).map((d) => [d.destination, d.sopInstanceUid, d.state])).toEqual([
      ['archive', '1.1', 'pending'],
      ['archive', '1.2', 'pending'],
    ]);
    expect(calls).toEqual({ jobs: 1, forwards: 2 });
  });

  it('an undecodable object under a processing-only rule gets a job that reports it, and nothing is forwarded', () => {
    const { r, calls } = router();
    r.onStored(arrival('US', '5.1', 'unprocessable'));
    expect(r.flush()).toBe(1);
    r.stop();
    expect(listJobs(db).map((j) => [j.kind, j.rule_name])).toEqual([['series', 'us']]);
    expect(listDeliveries(db)).toEqual([]);
    expect(calls).toEqual({ jobs: 1, forwards: 0 });
  });

  it('lateArrival ignore: a late original is forwarded at once, the series is not processed again', () => {
    const { r, calls } = router();
    r.onStored(arrival('XA', '3.1', 'stored'));
    expect(r.flush()).toBe(1);
    r.onStored(arrival('XA', '3.2', 'stored'));
    expect(r.pendingCount()).toBe(0);
    r.stop();
    expect(listJobs(db).filter((j) => j.kind === 'series')).toHaveLength(1);
    expect(listDeliveries(db).map((d) => d.sopInstanceUid)).toEqual(['3.1', '3.2']);
    expect(calls).toEqual({ jobs: 1, forwards: 2 });
  });

  it('a dropped series is neither forwarded nor processed', () => {
    const { r } = router();
    r.onStored(arrival('MR', '7.1', 'stored'));
    expect(r.flush()).toBe(0);
    r.stop();
    expect(listJobs(db)).toEqual([]);
    expect(listDeliveries(db)).toEqual([]);
  });
});
