import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskGuard } from '../../src/app/listeners.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { writePart10 } from '../../src/dicom/part10.js';
import { NATIVE_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { AssociationReject, ScpTransport } from '../../src/net/types.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { createJob } from '../../src/provenance/jobs.js';
import { listQuarantine } from '../../src/provenance/quarantine.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { QueueGuard } from '../../src/receive/queue-guard.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { associateRq, cStoreCommand, lastDimseStatus, pdvs, rawClient, waitForBytes } from './raw-pdu.js';
import { datasetOffset } from './mutants.js';
import { pydicomTestFile } from '../helpers/debian-fixtures.js';

const CT = pydicomTestFile('CT_small.dcm');
const CT_SOP = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';
const MB = 1024 * 1024;
const MAX_INSTANCE = 1 * MB;

/** A small real file system: tmpfs of 16 MiB where mounting is allowed (root), else the temp folder. */
function smallVolume(dir: string): { path: string; mounted: boolean } {
  const path = join(dir, 'vol');
  mkdirSync(path);
  // RELIABILITY_NO_MOUNT=1 tries the fallback where mounting is allowed.
  if (process.env.RELIABILITY_NO_MOUNT === '1') return { path, mounted: false };
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', path]);
  return { path, mounted: r.status === 0 };
}

const freeBytes = (p: string): number => {
  const s = statfsSync(p);
  return s.bavail * s.bsize;
};

/** One C-STORE of `file`'s data set on an open raw association; resolves with the status. */
async function rawStore(c: Awaited<ReturnType<typeof rawClient>>, file: Buffer, sop: string, messageId: number): Promise<number | undefined> {
  const seen = c.received().length;
  for (const p of [...pdvs(1, cStoreCommand(messageId, '1.2.840.10008.5.1.4.1.1.2', sop), true, 16384), ...pdvs(1, file.subarray(datasetOffset(file)), false, 16384)]) c.socket.write(p);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !c.socket.destroyed) {
    const s = c.received().length > seen ? lastDimseStatus(c.received().subarray(seen)) : undefined;
    if (s !== undefined) return s;
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

describe('resource guards on a small file system: free space, instance size, queue depth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guards-'));
  const vol = smallVolume(dir);
  let db: Db;
  let spool: Spool;
  let guard: DiskGuard;
  let queue: QueueGuard;
  let scp: ScpTransport;
  let minFree = 6 * MB;
  // How far below the threshold the filler goes: wider on a shared disk whose free space moves.
  const margin = vol.mounted ? 2 * MB : 48 * MB;
  let maxQueue = 1000;
  const rejects: AssociationReject[] = [];
  const filler = join(vol.path, 'filler.bin');

  beforeAll(async () => {
    if (!vol.mounted) {
      // No tmpfs here (no privilege): the same behaviour with the threshold set just above what the
      // temp folder's file system has free, so filling a few MiB crosses it for real.
      minFree = freeBytes(vol.path) - 2 * margin;
    }
    db = openDatabase(join(vol.path, 'node.sqlite'));
    spool = new Spool(join(vol.path, 'spool'));
    await spool.init();
    guard = new DiskGuard(spool, minFree, silentLogger, 100);
    await guard.start();
    queue = new QueueGuard(db, () => maxQueue, 0);
    const receiver = new InstanceReceiver({
      db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES,
      maxInstanceBytes: MAX_INSTANCE, minFreeBytes: minFree, isQueueFull: () => queue.full(),
    });
    scp = createDcmjsScp(
      { name: 'main', aeTitle: 'UNIMIE', host: '127.0.0.1', port: 0, maxPduLength: 16384, maxAssociations: 8, acceptedTransferSyntaxes: [...NATIVE_TRANSFER_SYNTAXES] },
      {
        policy: new AllowListPolicy({ listeners: [{ listener: 'main', aeTitle: 'UNIMIE', allow: [{ aeTitle: '*' }] }], isDiskLow: () => guard.low, isQueueFull: () => queue.full() }),
        handler: receiver,
        events: { onAssociationRejected: (_r, rj) => rejects.push(rj) },
        log: silentLogger,
        maxDatasetBytes: MAX_INSTANCE,
      },
    );
    await scp.start();
  });

  afterAll(async () => {
    await scp?.stop();
    guard?.stop();
    db?.close();
    if (vol.mounted) spawnSync('umount', ['-l', vol.path]);
    rmSync(dir, { recursive: true, force: true });
  });

  const peer = () => ({ port: scp.port(), callingAeTitle: 'MODALITY', calledAeTitle: 'UNIMIE' });
  /** Waits for the guard's next poll (100 ms) to see the new free space. */
  const settle = async (low: boolean) => {
    const deadline = Date.now() + 10_000;
    while (guard.low !== low && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  it(`below the free-space threshold (${vol.mounted ? 'tmpfs of 16 MiB' : 'temp folder, threshold above its free space'}): transient reject, 0xA700 in flight, nothing acknowledged touched`, async () => {
    // Acknowledged before the disk fills.
    const first = await storescu(peer(), [CT]);
    expect(first.rc, first.output).toBe(0);
    const row = db.prepare('SELECT path, sha256 FROM instances WHERE sop_instance_uid = ?').get(CT_SOP) as { path: string; sha256: string };
    const acknowledgedBytes = readFileSync(row.path);

    // An association opened while there is room…
    const open = await rawClient(scp.port());
    open.socket.write(associateRq({ calling: 'MODALITY', called: 'UNIMIE', abstracts: ['1.2.840.10008.5.1.4.1.1.2'], transferSyntax: TransferSyntax.ExplicitVRLittleEndian }));
    expect((await waitForBytes(open, 6))[0]).toBe(0x02);

    // …then the volume fills to 4 MiB under the threshold.
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(vol.path) - (minFree - margin))));
    expect(freeBytes(vol.path)).toBeLessThan(minFree);
    await settle(true);
    expect(guard.low).toBe(true);

    // In flight: the C-STORE on the open association is refused, out of resources.
    const other = writePart10(phantomSliceDataset(createPhantomSeries({ slices: 1, rows: 64, columns: 64, seed: 3 }), 0));
    const status = await rawStore(open, other, String(phantomSliceDataset(createPhantomSeries({ slices: 1, rows: 64, columns: 64, seed: 3 }), 0).SOPInstanceUID), 1);
    expect(status).toBe(0xa700);
    open.socket.destroy();

    // New associations: A-ASSOCIATE-RJ rejected-transient, service provider, temporary congestion.
    const refused = await echoscu(peer());
    expect(refused.rc).not.toBe(0);
    expect(refused.output).toMatch(/Rejected Transient/i);
    expect(rejects.at(-1)).toMatchObject({ result: 2, source: 3, reason: 1, why: 'disk space below threshold' });

    // What was acknowledged is untouched.
    expect(readFileSync(row.path).equals(acknowledgedBytes)).toBe(true);
    expect(db.prepare("SELECT status FROM instances WHERE sop_instance_uid = ?").get(CT_SOP)).toEqual({ status: 'stored' });

    // Space back: served again.
    unlinkSync(filler);
    await settle(false);
    expect(guard.low).toBe(false);
    const again = await storescu(peer(), [CT]);
    expect(again.rc, again.output).toBe(0);
  });

  it(`maxInstanceMb: a data set over ${MAX_INSTANCE / MB} MiB is refused and quarantined with its size, only its head kept`, async () => {
    const big = createPhantomSeries({ slices: 1, rows: 1024, columns: 1024, seed: 9, noise: 0 });
    const path = join(dir, 'big.dcm');
    writeFileSync(path, writePart10(phantomSliceDataset(big, 0)));
    const r = await storescu(peer(), [path], ['-v']);
    expect(r.output).toMatch(/Received Store Response \(Error: CannotUnderstand\)/);
    const q = listQuarantine(db, { reasonCode: 'PACS_E_TOO_LARGE' })[0]!;
    expect(q.size).toBeLessThanOrEqual(MB + 4096); // the head, not the 2 MiB object
    expect(q.reason).toMatch(/object of 2\d{6} bytes exceeds the limit of 1048576 bytes/);
    expect(existsSync(q.path)).toBe(true);
    expect((await echoscu(peer())).rc).toBe(0);
  });

  it('maxQueueDepth: at the limit, new associations get a transient reject and C-STOREs 0xA700', async () => {
    const open = await rawClient(scp.port());
    open.socket.write(associateRq({ calling: 'MODALITY', called: 'UNIMIE', abstracts: ['1.2.840.10008.5.1.4.1.1.2'], transferSyntax: TransferSyntax.ExplicitVRLittleEndian }));
    expect((await waitForBytes(open, 6))[0]).toBe(0x02);
    maxQueue = 3;
    for (let i = 0; i < 3; i++) createJob(db, { seriesUid: `1.2.3.${i}`, studyUid: '1.2.3', ruleName: 'r', action: {} });
    expect(queue.full()).toBe(true);
    const ds = phantomSliceDataset(createPhantomSeries({ slices: 1, rows: 64, columns: 64, seed: 4 }), 0);
    expect(await rawStore(open, writePart10(ds), String(ds.SOPInstanceUID), 1)).toBe(0xa700);
    open.socket.destroy();
    const refused = await echoscu(peer());
    expect(refused.output).toMatch(/Rejected Transient/i);
    expect(rejects.at(-1)).toMatchObject({ result: 2, source: 3, reason: 1, why: 'queue depth at its limit' });
    maxQueue = 1000;
    expect((await echoscu(peer())).rc).toBe(0);
  });
});
