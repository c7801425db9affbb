import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { DeliveryWorker } from '../../src/export/delivery-worker.js';
import type { DimseExportDestination } from '../../src/export/destination.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import type { ScpTransport } from '../../src/net/types.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { enqueueDelivery, findDelivery, requeueDelivery } from '../../src/provenance/deliveries.js';
import { silentLogger } from '../../src/shared/log.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { TEST_FILES, itemFor } from './transport-conformance.js';

const CT5N = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
const SERIES = readdirSync(CT5N).map((f) => itemFor(join(CT5N, f)));

/** SOP Instance UIDs of the files a storescp +uf wrote (a re-delivery is a second file). */
function sopsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => String(readPart10(readFileSync(join(dir, f)), { untilPixelData: true }).dataset.SOPInstanceUID));
}

/**
 * Export faults against real peers (DCMTK storescp's --refuse / --abort-during / --abort-after, and
 * our own SCP answering chosen statuses): the exact attempts with backoff, the dead state after the
 * limit, requeue, and one copy per SOP Instance UID at the peer that finally stores it.
 * (test/export/delivery-worker.test.ts covers the destination that is down and 0xA900/0xA700.)
 */
describe('export faults against real peers', () => {
  const work = mkdtempSync(join(tmpdir(), 'delivery-faults-'));
  const scu = createDcmjsScu({ log: silentLogger });
  const dimse = createDimseScuTransport(scu);
  let db: Db;
  let clock = 5_000_000;
  const now = () => clock;
  const peers: Array<StoreScp | ScpTransport> = [];
  let n = 0;

  const dest = (port: number, name: string): DimseExportDestination => ({
    name, kind: 'dimse', aeTitle: 'PACS', host: '127.0.0.1', port, callingAeTitle: 'NODE', timeoutMs: 5000,
    maxAttempts: 3, backoff: { initialMs: 1000, maxMs: 4000 },
  });
  const worker = (d: DimseExportDestination) =>
    new DeliveryWorker({ db, transports: { [d.name]: { transport: dimse, destination: d } }, log: silentLogger, pollMs: 60_000, now, random: () => 0.5 });
  const storescp = async (args: string[], port?: number): Promise<StoreScp> => {
    const s = await startStoreScp({ dir: join(work, `scp-${++n}`), aeTitle: 'PACS', port, extraArgs: ['+uf', ...args] });
    peers.push(s);
    return s;
  };

  beforeEach(() => {
    db?.close();
    db = openDatabase(join(work, `db-${++n}.sqlite`));
  });
  afterAll(async () => {
    for (const p of peers) await p.stop();
    db?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs attempts until dead, checking each attempt's time against the backoff (1 s, 2 s). */
  async function exhaust(w: DeliveryWorker, name: string, sop: string): Promise<void> {
    const t0 = clock;
    const row = () => findDelivery(db, name, sop)!;
    expect(await w.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: t0 + 1000 });
    clock = t0 + 999;
    expect(await w.runOnce()).toBe(0);
    clock = t0 + 1000;
    expect(await w.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: t0 + 1000 + 2000 });
    clock = t0 + 3000;
    expect(await w.runOnce()).toBe(1);
    expect(row()).toMatchObject({ state: 'dead', attempts: 3 });
    clock += 1_000_000;
    expect(await w.runOnce()).toBe(0);
  }

  it('a peer refusing the association (A-ASSOCIATE-RJ permanent): dead at once, requeue delivers once when it accepts', async () => {
    const refusing = await storescp(['--refuse']);
    const d = dest(refusing.port, 'refusing');
    const w = worker(d);
    enqueueDelivery(db, { ...SERIES[0]!, destination: d.name, seriesUid: '1.2.3' }, clock);
    expect(await w.runOnce()).toBe(1);
    const row = findDelivery(db, d.name, SERIES[0]!.sopInstanceUid)!;
    expect(row).toMatchObject({ state: 'dead', attempts: 1 });
    expect(row.lastError).toMatch(/reject/i);
    await refusing.stop();
    const fixed = await storescp([], refusing.port);
    expect(requeueDelivery(db, row.id, clock)).toBe(true);
    expect(await w.runOnce()).toBe(1);
    expect(findDelivery(db, d.name, SERIES[0]!.sopInstanceUid)).toMatchObject({ state: 'done', lastStatus: 0 });
    expect(sopsIn(fixed.dir)).toEqual([SERIES[0]!.sopInstanceUid]);
  });

  it('a peer closing mid-transfer (storescp --abort-during): retried at 1 s and 2 s, dead after 3 attempts, requeue delivers once', async () => {
    const aborting = await storescp(['--abort-during']);
    const d = dest(aborting.port, 'aborting');
    const w = worker(d);
    const sop = SERIES[1]!.sopInstanceUid;
    enqueueDelivery(db, { ...SERIES[1]!, destination: d.name, seriesUid: '1.2.3' }, clock);
    const t = Date.now();
    await exhaust(w, d.name, sop);
    // The peer's A-ABORT ends each attempt at once, not at the 5 s timeout.
    expect(Date.now() - t).toBeLessThan(5000);
    expect(sopsIn(aborting.dir)).toEqual([]);
    await aborting.stop();
    const fixed = await storescp([], aborting.port);
    expect(requeueDelivery(db, findDelivery(db, d.name, sop)!.id, clock)).toBe(true);
    expect(await w.runOnce()).toBe(1);
    expect(findDelivery(db, d.name, sop)).toMatchObject({ state: 'done', attempts: 1 });
    expect(sopsIn(fixed.dir)).toEqual([sop]);
  });

  it('a peer that stores and then aborts before answering (--abort-after): no response means retry, never "done"', async () => {
    const silent = await storescp(['--abort-after']);
    const d = dest(silent.port, 'silent');
    const w = worker(d);
    const sop = SERIES[2]!.sopInstanceUid;
    enqueueDelivery(db, { ...SERIES[2]!, destination: d.name, seriesUid: '1.2.3' }, clock);
    const t = Date.now();
    await exhaust(w, d.name, sop);
    expect(Date.now() - t).toBeLessThan(5000);
    // Without a C-STORE-RSP the node cannot know the peer kept it: it is never recorded as delivered.
    expect(findDelivery(db, d.name, sop)?.state).toBe('dead');
  });

  it('warning statuses count as delivered once; a transient failure then success is one stored copy', async () => {
    const answers = new Map<string, number[]>();
    const storedAt = new Map<string, number>();
    const peer = createDcmjsScp(
      { name: 'p', aeTitle: 'PACS', host: '127.0.0.1', port: 0, acceptedTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'] },
      {
        policy: new AllowListPolicy({ listeners: [{ listener: 'p', aeTitle: 'PACS', allow: [{ aeTitle: 'NODE' }] }] }),
        handler: {
          onStore: async (r) => {
            const status = answers.get(r.sopInstanceUid)?.shift() ?? 0;
            if (status === 0 || (status >= 0xb000 && status <= 0xbfff)) storedAt.set(r.sopInstanceUid, (storedAt.get(r.sopInstanceUid) ?? 0) + 1);
            return status;
          },
        },
        log: silentLogger,
      },
    );
    await peer.start();
    peers.push(peer);
    const d = dest(peer.port(), 'statuses');
    const w = worker(d);
    const [a, b, c] = SERIES as [typeof SERIES[0], typeof SERIES[0], typeof SERIES[0]];
    answers.set(a.sopInstanceUid, [0xb000]); // coercion of data elements
    answers.set(b.sopInstanceUid, [0xb007]); // data set does not match SOP class (warning)
    answers.set(c.sopInstanceUid, [0xa700, 0]); // out of resources, then fine
    for (const i of [a, b, c]) enqueueDelivery(db, { ...i, destination: d.name, seriesUid: '1.2.3' }, clock);
    expect(await w.runOnce()).toBe(3);
    expect(findDelivery(db, d.name, a.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 1, lastStatus: 0xb000 });
    expect(findDelivery(db, d.name, b.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 1, lastStatus: 0xb007 });
    expect(findDelivery(db, d.name, c.sopInstanceUid)).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 0xa700 });
    clock += 1000;
    expect(await w.runOnce()).toBe(1); // only the one still pending goes out again
    expect(findDelivery(db, d.name, c.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 2, lastStatus: 0 });
    clock += 1_000_000;
    expect(await w.runOnce()).toBe(0);
    expect([...storedAt.values()]).toEqual([1, 1, 1]);
  });
});
