import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import {
  claimDueDeliveries,
  countDeliveriesByState,
  enqueueDelivery,
  findDelivery,
  getDelivery,
  listDeliveries,
  requeueDelivery,
} from '../../src/provenance/deliveries.js';
import { silentLogger } from '../../src/shared/log.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { DeliveryWorker, type DeliveryRoute } from '../../src/export/delivery-worker.js';
import type { DimseExportDestination, FolderExportDestination } from '../../src/export/destination.js';
import { echoDestination } from '../../src/export/echo-destination.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { createFolderTransport } from '../../src/export/transports/folder.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { TEST_FILES, itemFor } from './transport-conformance.js';

const CT5N = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
const SERIES = readdirSync(CT5N).map((f) => itemFor(join(CT5N, f)));

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

describe('DeliveryWorker with a real SQLite file, a folder and DCMTK storescp', () => {
  const work = mkdtempSync(join(tmpdir(), 'delivery-worker-'));
  const dbPath = join(work, 'db', 'node.sqlite');
  const scu = createDcmjsScu({ log: silentLogger });
  const dimse = createDimseScuTransport(scu);
  const folder = createFolderTransport();
  let scp: StoreScp;
  let db: Db;
  let clock = 1_000_000;
  const now = () => clock;

  const folderDest: FolderExportDestination = { name: 'archive', kind: 'folder', path: join(work, 'archive'), maxAttempts: 3, backoff: { initialMs: 1000, maxMs: 4000 } };
  const pacsDest = (port: number, name = 'pacs'): DimseExportDestination => ({
    name,
    kind: 'dimse',
    aeTitle: 'PACS',
    host: '127.0.0.1',
    port,
    callingAeTitle: 'NODE',
    timeoutMs: 5000,
    maxAttempts: 3,
    backoff: { initialMs: 1000, maxMs: 4000 },
  });

  function enqueueSeries(destination: string): void {
    for (const i of SERIES) enqueueDelivery(db, { ...i, destination, seriesUid: '1.2.3' }, clock);
  }

  beforeAll(async () => {
    // +uf: unique file names, so a second C-STORE of the same SOP would show up as an extra file.
    // -v: one "Association Acknowledged" line per association.
    scp = await startStoreScp({ dir: join(work, 'pacs-in'), aeTitle: 'PACS', extraArgs: ['+uf', '-v'] });
  });
  afterAll(async () => {
    await scp?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    db?.close();
    rmSync(join(work, 'db'), { recursive: true, force: true });
    rmSync(scp.dir, { recursive: true, force: true });
    mkdirSync(scp.dir);
    rmSync(folderDest.path, { recursive: true, force: true });
    db = openDatabase(dbPath);
  });

  it('delivers each object once to each destination; re-enqueue and re-run send nothing', async () => {
    const routes: Record<string, DeliveryRoute> = {
      archive: { transport: folder, destination: folderDest },
      pacs: { transport: dimse, destination: pacsDest(scp.port) },
    };
    enqueueSeries('archive');
    enqueueSeries('pacs');
    const worker = new DeliveryWorker({ db, transports: routes, log: silentLogger, pollMs: 60_000, now });
    const associations = () => (scp.output().match(/Association Acknowledged/g) ?? []).length;
    const before = associations();
    expect(await worker.runOnce()).toBe(SERIES.length * 2);
    expect(countDeliveriesByState(db)).toMatchObject({ done: SERIES.length * 2, pending: 0, sending: 0 });
    expect(countFiles(scp.dir)).toBe(SERIES.length);
    // The series went out over one association per transfer syntax, not one per object.
    expect(associations() - before).toBe(new Set(SERIES.map((i) => i.transferSyntaxUid)).size);
    expect(countFiles(folderDest.path)).toBe(SERIES.length);
    // Laid out by study and series.
    const f = listDeliveries(db, { destination: 'archive' })[0];
    expect(f.lastStatus).toBe(0);
    expect(readdirSync(folderDest.path)).toHaveLength(1);

    enqueueSeries('pacs');
    clock += 10_000;
    expect(await worker.runOnce()).toBe(0);
    expect(countFiles(scp.dir)).toBe(SERIES.length);
  });

  it('retries a down destination with backoff, then dead; requeue delivers it', async () => {
    const port = await freePort();
    const dest = pacsDest(port, 'down');
    const worker = new DeliveryWorker({ db, transports: { down: { transport: dimse, destination: dest } }, log: silentLogger, pollMs: 60_000, now });
    const item = SERIES[0];
    enqueueDelivery(db, { ...item, destination: 'down', seriesUid: '1.2.3' }, clock);
    const row = () => findDelivery(db, 'down', item.sopInstanceUid)!;
    const t0 = clock;

    expect(await worker.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: t0 + 1000 });
    expect(row().lastError).toMatch(/no association/);

    clock = t0 + 999;
    expect(await worker.runOnce()).toBe(0);
    clock = t0 + 1000;
    expect(await worker.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: t0 + 1000 + 2000 });
    clock = t0 + 3000;
    expect(await worker.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'dead', attempts: 3 });
    clock += 1_000_000;
    expect(await worker.runOnce()).toBe(0);

    // The PACS comes up; an operator requeues the dead delivery.
    const late = await startStoreScp({ dir: join(work, 'late-in'), aeTitle: 'PACS', port, extraArgs: ['+uf'] });
    try {
      expect((await echoDestination(dest, { scu })).ok).toBe(true);
      expect(requeueDelivery(db, row().id, clock)).toBe(true);
      expect(await worker.runOnce()).toBe(1);
      expect(row()).toMatchObject({ state: 'done', lastStatus: 0 });
      expect(countFiles(late.dir)).toBe(1);
    } finally {
      await late.stop();
    }
  });

  it('classifies DIMSE statuses: 0xA900 dead at once, 0xA700 retried', async () => {
    // Our own SCP as the peer, answering with the status under test.
    let answer = 0xa900;
    const peer = createDcmjsScp(
      { name: 'p', aeTitle: 'PACS', host: '127.0.0.1', port: 0, acceptedTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'] },
      { policy: new AllowListPolicy({ listeners: [{ listener: 'p', aeTitle: 'PACS', allow: [{ aeTitle: 'NODE' }] }] }), handler: { onStore: async () => answer }, log: silentLogger },
    );
    await peer.start();
    try {
      const dest = pacsDest(peer.port(), 'picky');
      const worker = new DeliveryWorker({ db, transports: { picky: { transport: dimse, destination: dest } }, log: silentLogger, pollMs: 60_000, now });
      enqueueDelivery(db, { ...SERIES[0], destination: 'picky', seriesUid: '1.2.3' }, clock);
      await worker.runOnce();
      expect(findDelivery(db, 'picky', SERIES[0].sopInstanceUid)).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 0xa900 });
      answer = 0xa700;
      enqueueDelivery(db, { ...SERIES[1], destination: 'picky', seriesUid: '1.2.3' }, clock);
      await worker.runOnce();
      expect(findDelivery(db, 'picky', SERIES[1].sopInstanceUid)).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 0xa700 });
    } finally {
      await peer.stop();
    }
  });

  it('after a crash mid-send, a new worker on the same database sends only what was not done', async () => {
    const routes = { pacs: { transport: dimse, destination: pacsDest(scp.port) } };
    enqueueSeries('pacs');
    // First process: delivers two objects, then "crashes" with two more claimed but not sent.
    const first = new DeliveryWorker({ db, transports: routes, log: silentLogger, pollMs: 60_000, now, batchSize: 2 });
    expect(await first.runOnce()).toBe(2);
    const claimed = claimDueDeliveries(db, { now: clock, limit: 2 });
    expect(claimed).toHaveLength(2);
    db.close();

    // Second process: same file, real timers, start() recovers the interrupted rows.
    db = openDatabase(dbPath);
    expect(countDeliveriesByState(db)).toMatchObject({ done: 2, sending: 2, pending: SERIES.length - 4 });
    const second = new DeliveryWorker({ db, transports: routes, log: silentLogger, pollMs: 50 });
    second.start();
    const deadline = Date.now() + 20_000;
    while (countDeliveriesByState(db).done < SERIES.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await second.stop();
    expect(countDeliveriesByState(db)).toMatchObject({ done: SERIES.length, pending: 0, sending: 0 });
    // Exactly one C-STORE per SOP Instance UID reached the PACS.
    expect(countFiles(scp.dir)).toBe(SERIES.length);
    for (const c of claimed) expect(getDelivery(db, c.id)?.attempts).toBe(1);
  });

  it('a destination that never answers does not hold up the others', async () => {
    // A TCP peer that accepts and then says nothing: the DIMSE send waits for its timeout.
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const stuck = { ...pacsDest(port, 'stuck'), timeoutMs: 1500 };
      const worker = new DeliveryWorker({
        db,
        transports: { stuck: { transport: dimse, destination: stuck }, archive: { transport: folder, destination: folderDest } },
        log: silentLogger,
        pollMs: 60_000,
      });
      enqueueSeries('stuck');
      enqueueSeries('archive');
      const started = Date.now();
      worker.start();
      while (countDeliveriesByState(db, 'archive').done < SERIES.length && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(countDeliveriesByState(db, 'archive').done).toBe(SERIES.length);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(countDeliveriesByState(db, 'stuck').sending).toBe(SERIES.length);
      await worker.stop();
      expect(countDeliveriesByState(db, 'stuck')).toMatchObject({ sending: 0, pending: SERIES.length });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('kick() runs a round at once; stop() waits for it', async () => {
    const worker = new DeliveryWorker({ db, transports: { archive: { transport: folder, destination: folderDest } }, log: silentLogger, pollMs: 60_000 });
    worker.start();
    enqueueSeries('archive');
    worker.kick();
    const deadline = Date.now() + 10_000;
    while (countDeliveriesByState(db).done < SERIES.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(countDeliveriesByState(db).done).toBe(SERIES.length);
    expect(countFiles(folderDest.path)).toBe(SERIES.length);
  });
});
