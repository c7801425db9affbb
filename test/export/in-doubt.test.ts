import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { DeliveryWorker } from '../../src/export/delivery-worker.js';
import type { DimseExportDestination } from '../../src/export/destination.js';
import type { Transport } from '../../src/export/transport.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { claimDueDeliveries, enqueueDelivery, findDelivery, resetInterruptedDeliveries } from '../../src/provenance/deliveries.js';
import { silentLogger } from '../../src/shared/log.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { TEST_FILES, itemFor } from './transport-conformance.js';

const CT5N = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
const [A, B] = readdirSync(CT5N).map((f) => itemFor(join(CT5N, f)));

/**
 * Objects in doubt after a crash — sent, but the peer's response never recorded — are not sent
 * twice to a destination that can say it holds them: the worker asks with C-FIND (IMAGE level) and
 * records the ones found as delivered. Real peers: Orthanc (answers C-FIND) and DCMTK storescp
 * (store only: such objects are sent again, at least once).
 */
describe('deliveries in doubt after a restart', () => {
  const work = mkdtempSync(join(tmpdir(), 'in-doubt-'));
  const scu = createDcmjsScu({ log: silentLogger });
  const dimse = createDimseScuTransport(scu);
  let orthanc: OrthancHandle;
  let storescp: StoreScp;
  let n = 0;
  const now = () => 7_000_000;

  beforeAll(async () => {
    orthanc = await startOrthanc({ modalities: { node: { AET: 'NODE', Host: '127.0.0.1', Port: 1 } } });
    storescp = await startStoreScp({ dir: join(work, 'scp'), aeTitle: 'PACS', extraArgs: ['+uf'] });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    await storescp?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Both objects queued, both claimed (in flight), then the process "dies": start-up recovery. */
  function crashedWhileSending(destination: string): Db {
    const db = openDatabase(join(work, `db-${++n}.sqlite`));
    for (const item of [A!, B!]) enqueueDelivery(db, { destination, ...item, seriesUid: 'x' }, now());
    expect(claimDueDeliveries(db, { now: now(), limit: 10 })).toHaveLength(2);
    expect(resetInterruptedDeliveries(db, now())).toBe(2);
    expect(findDelivery(db, destination, A!.sopInstanceUid)?.inDoubt).toBe(true);
    return db;
  }

  /** The real transport, recording which objects it was asked to C-STORE. */
  function recording(sent: string[]): Transport {
    return { ...dimse, send: (d, items, cb) => (sent.push(...items.map((i) => i.sopInstanceUid)), dimse.send(d, items, cb)) };
  }

  const dest = (name: string, aeTitle: string, port: number, verifyInDoubt = true): DimseExportDestination => ({
    name, kind: 'dimse', aeTitle, host: '127.0.0.1', port, callingAeTitle: 'NODE', timeoutMs: 5000, verifyInDoubt,
    maxAttempts: 3, backoff: { initialMs: 1000, maxMs: 4000 },
  });

  it('asks Orthanc, which holds the first object already: only the second is sent', async () => {
    // The first object reached the PACS before the crash (its response was never recorded).
    const first = await scu.store({ aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort, callingAeTitle: 'NODE' }, [A!]);
    expect(first[0]?.status).toBe(0);
    const db = crashedWhileSending('pacs');
    const sent: string[] = [];
    const d = dest('pacs', orthanc.aeTitle, orthanc.dicomPort);
    const worker = new DeliveryWorker({ db, transports: { pacs: { transport: recording(sent), destination: d } }, log: silentLogger, pollMs: 60_000, now });
    await worker.runOnce();
    expect(sent).toEqual([B!.sopInstanceUid]);
    expect(findDelivery(db, 'pacs', A!.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 0, inDoubt: false });
    expect(findDelivery(db, 'pacs', B!.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 1, inDoubt: false });
    // Orthanc now holds both, as its own C-FIND says.
    const held = await scu.holds!({ aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort, callingAeTitle: 'NODE' }, [A!, B!].map((i) => {
      const ds = readPart10(readFileSync(i.path), { untilPixelData: true }).dataset;
      return { studyInstanceUid: String(ds.StudyInstanceUID), seriesInstanceUid: String(ds.SeriesInstanceUID), sopInstanceUid: i.sopInstanceUid };
    }));
    expect([...held].sort()).toEqual([A!.sopInstanceUid, B!.sopInstanceUid].sort());
    db.close();
  });

  it('sends objects in doubt again to a store-only peer (storescp refuses C-FIND): at least once', async () => {
    const db = crashedWhileSending('store-only');
    const sent: string[] = [];
    const d = dest('store-only', 'PACS', storescp.port);
    const worker = new DeliveryWorker({ db, transports: { 'store-only': { transport: recording(sent), destination: d } }, log: silentLogger, pollMs: 60_000, now });
    await worker.runOnce();
    expect(sent.sort()).toEqual([A!.sopInstanceUid, B!.sopInstanceUid].sort());
    for (const item of [A!, B!]) expect(findDelivery(db, 'store-only', item.sopInstanceUid)).toMatchObject({ state: 'done', inDoubt: false });
    db.close();
  });

  it('with verifyInDoubt off, sends them again without asking', async () => {
    const db = crashedWhileSending('no-verify');
    const sent: string[] = [];
    const d = dest('no-verify', orthanc.aeTitle, orthanc.dicomPort, false);
    const worker = new DeliveryWorker({ db, transports: { 'no-verify': { transport: recording(sent), destination: d } }, log: silentLogger, pollMs: 60_000, now });
    await worker.runOnce();
    expect(sent.sort()).toEqual([A!.sopInstanceUid, B!.sopInstanceUid].sort());
    db.close();
  });
});
