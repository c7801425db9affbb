import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DimseStatus } from '../../src/dicom/status.js';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import { getAssociation } from '../../src/provenance/associations.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { registerDerivedSeries } from '../../src/provenance/derived-series.js';
import { findBySop, listBySeries } from '../../src/provenance/instances.js';
import { listQuarantine } from '../../src/provenance/quarantine.js';
import { getSeries } from '../../src/provenance/series.js';
import { InstanceReceiver, type InstanceReceiverDeps, type StoredInstance } from '../../src/receive/instance-receiver.js';
import { AssociationRecorder } from '../../src/receive/association-recorder.js';
import { recoverReceiveSide } from '../../src/receive/startup-recovery.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { association, closeTempStore, editedFile, fixtures, openTempStore, storeRequest, uidsOf } from './receive-fixtures.js';
import { tempFilesIn } from '../helpers/spool-temp-files.js';

let dir: string;
let db: Db;
let spool: Spool;
let events: StoredInstance[];

function receiver(over: Partial<InstanceReceiverDeps> = {}): InstanceReceiver {
  return new InstanceReceiver({
    db,
    spool,
    log: silentLogger,
    onStored: (ev) => events.push(ev),
    decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES,
    ...over,
  });
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function filesUnder(sub: string): Promise<string[]> {
  const root = join(spool.root, sub);
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeEach(async () => {
  ({ dir, db, spool } = await openTempStore('receive-'));
  events = [];
});

afterEach(() => closeTempStore({ dir, db }));

describe('InstanceReceiver: good input', () => {
  it.each([
    ['CT_small', fixtures.ctSmall, 'CT'],
    ['MR_small', fixtures.mrSmall, 'MR'],
  ])('stores %s, records rows and answers Success only after the commit', async (_name, make, modality) => {
    const bytes = make();
    const u = uidsOf(bytes);
    const assoc = association();
    const status = await receiver().onStore(storeRequest(bytes, assoc));
    expect(status).toBe(DimseStatus.Success);

    const [row] = findBySop(db, u.sop);
    expect(row).toMatchObject({ status: 'stored', seriesUid: u.series, studyUid: u.study, size: bytes.length, sha256: sha256(bytes) });
    expect(row.path).toBe(join(spool.root, 'studies', u.study, u.series, `${u.sop}.dcm`));
    expect(readFileSync(row.path)).toEqual(bytes);
    expect(tempFilesIn(spool.root)).toEqual([]);
    expect(getSeries(db, u.series)).toMatchObject({ modality, instanceCount: 1, callingAe: 'MODALITY', ownOutput: false });
    expect(getAssociation(db, assoc.id)).toMatchObject({ instancesReceived: 1, bytesReceived: bytes.length, failures: 0 });

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      instanceId: row.id,
      sopInstanceUid: u.sop,
      seriesUid: u.series,
      modality,
      status: 'stored',
      path: row.path,
      size: bytes.length,
      callingAe: 'MODALITY',
      calledAe: 'UNIMIE',
    });
    expect(events[0].header.PixelData).toBeUndefined();
    expect(events[0].header.SOPInstanceUID).toBe(u.sop);
  });

  it('a re-send with identical bytes is a no-op success', async () => {
    const r = receiver();
    const bytes = fixtures.ctSmall();
    const assoc = association();
    expect(await r.onStore(storeRequest(bytes, assoc))).toBe(DimseStatus.Success);
    const again = await r.ingest({ bytes, associationId: assoc.id, callingAe: 'MODALITY' });
    expect(again.outcome).toBe('duplicate');
    expect(again.status).toBe(DimseStatus.Success);
    expect(findBySop(db, uidsOf(bytes).sop)).toHaveLength(1);
    expect(await filesUnder('studies')).toHaveLength(1);
    expect(tempFilesIn(spool.root)).toEqual([]);
    expect(events).toHaveLength(1);
    expect(getAssociation(db, assoc.id)?.instancesReceived).toBe(2);
  });

  it('a re-send with other bytes keeps the new file and marks the older row replaced', async () => {
    const r = receiver();
    const first = fixtures.mrSmall();
    const second = fixtures.mrSmallEdited();
    const u = uidsOf(first);
    expect(uidsOf(second).sop).toBe(u.sop);
    expect(await r.onStore(storeRequest(first, association()))).toBe(DimseStatus.Success);
    const res = await r.ingest({ bytes: second, callingAe: 'MODALITY', associationId: null });
    expect(res).toMatchObject({ status: DimseStatus.Success, outcome: 'stored' });

    const rows = findBySop(db, u.sop);
    expect(rows.map((x) => x.status)).toEqual(['stored', 'replaced']);
    expect(rows[1].statusReason).toMatch(/replaced by a re-send/);
    expect(res.replacedInstanceIds).toEqual([rows[1].id]);
    expect(rows[0].path).toBe(join(spool.root, 'studies', u.study, u.series, `${u.sop}.${sha256(second).slice(0, 8)}.dcm`));
    expect(readFileSync(rows[0].path)).toEqual(second);
    expect(readFileSync(rows[1].path)).toEqual(first);
    expect(listBySeries(db, u.series).map((x) => x.id)).toEqual([rows[0].id]);
    expect(getSeries(db, u.series)?.instanceCount).toBe(1);
    expect(events.map((e) => e.path)).toEqual([rows[1].path, rows[0].path]);

    // The first bytes again: the first row becomes current, the second is replaced.
    const back = await r.ingest({ bytes: first, associationId: null });
    expect(back.outcome).toBe('stored');
    expect(findBySop(db, u.sop).map((x) => [x.id, x.status])).toEqual([
      [rows[0].id, 'replaced'],
      [rows[1].id, 'stored'],
    ]);
    expect(readFileSync(rows[1].path)).toEqual(first);
    expect(getSeries(db, u.series)?.instanceCount).toBe(1);
  });

  it('counts each new slice of a series once', async () => {
    const r = receiver();
    const slices = ['1.2.826.0.1.3680043.8.498.1', '1.2.826.0.1.3680043.8.498.2', '1.2.826.0.1.3680043.8.498.3'].map((sop) =>
      editedFile('CT_small.dcm', (ds) => {
        ds.SOPInstanceUID = sop;
      }),
    );
    for (const bytes of slices) expect(await r.onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
    expect(await r.onStore(storeRequest(slices[0]!, association()))).toBe(DimseStatus.Success);
    expect(getSeries(db, uidsOf(slices[0]!).series)?.instanceCount).toBe(3);
  });

  it('the same new instance on two associations at once is stored once', async () => {
    const r = receiver();
    const bytes = fixtures.ctSmall();
    const results = await Promise.all([
      r.ingest({ bytes, associationId: null }),
      r.ingest({ bytes, associationId: null }),
      r.ingest({ bytes, associationId: null }),
    ]);
    expect(results.map((x) => x.outcome).sort()).toEqual(['duplicate', 'duplicate', 'stored']);
    expect(findBySop(db, uidsOf(bytes).sop)).toHaveLength(1);
    expect(tempFilesIn(spool.root)).toEqual([]);
  });

  it('stores a transfer syntax it cannot decode as unprocessable, with the reason', async () => {
    const bytes = fixtures.jpeg2000();
    const status = await receiver().onStore(storeRequest(bytes, association()));
    expect(status).toBe(DimseStatus.Success);
    const [row] = findBySop(db, uidsOf(bytes).sop);
    expect(row.status).toBe('unprocessable');
    expect(row.statusReason).toContain('1.2.840.10008.1.2.4.91');
    expect(row.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.91');
    expect(events.map((e) => e.status)).toEqual(['unprocessable']);
    expect(listBySeries(db, row.seriesUid)).toEqual([]);
    expect(listBySeries(db, row.seriesUid, 'unprocessable')).toHaveLength(1);
  });
});

describe('InstanceReceiver: loop protection', () => {
  it('stores a series from our output registry as own_output and never emits it', async () => {
    const bytes = fixtures.mrSmall();
    const u = uidsOf(bytes);
    registerDerivedSeries(db, { seriesUid: u.series, sourceSeriesUid: '1.2.3', studyUid: u.study, outputKind: 'sc-rgb', createdAt: 1 });
    expect(await receiver().onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
    expect(findBySop(db, u.sop)[0]).toMatchObject({ status: 'own_output' });
    expect(getSeries(db, u.series)?.ownOutput).toBe(true);
    expect(events).toEqual([]);
  });

  it('stores a data set that names this node as equipment as own_output', async () => {
    const seen: string[] = [];
    const r = receiver({ isOwnOutput: (ds) => (seen.push(String(ds.Modality)), ds.Modality === 'CT') });
    expect(await r.onStore(storeRequest(fixtures.ctSmall(), association()))).toBe(DimseStatus.Success);
    expect(await r.onStore(storeRequest(fixtures.mrSmall(), association()))).toBe(DimseStatus.Success);
    expect(seen).toEqual(['CT', 'MR']);
    expect(findBySop(db, uidsOf(fixtures.ctSmall()).sop)[0].status).toBe('own_output');
    expect(events.map((e) => e.modality)).toEqual(['MR']);
  });
});

describe('InstanceReceiver: bad input is quarantined, never thrown', () => {
  const cases = [
    ['random bytes', fixtures.randomBytes, DimseStatus.CannotUnderstand, 'PACS_E_NOT_DICOM'],
    ['no_meta.dcm (no Part-10 header)', fixtures.noMeta, DimseStatus.CannotUnderstand, 'PACS_E_NOT_DICOM'],
    ['MR_truncated.dcm', fixtures.mrTruncated, DimseStatus.DataSetDoesNotMatchSopClass, 'PACS_E_PIXEL_LENGTH'],
    ['CT_small without Series UID', fixtures.ctWithoutSeriesUid, DimseStatus.DataSetDoesNotMatchSopClass, 'PACS_E_MISSING_UID'],
    ['MR_small with cut pixel data', fixtures.mrPixelDataCut, DimseStatus.DataSetDoesNotMatchSopClass, 'PACS_E_PIXEL_LENGTH'],
    ['CT_small cut inside its header', () => fixtures.ctSmall().subarray(0, 300), DimseStatus.CannotUnderstand, undefined],
  ] as const;

  it.each(cases)('%s → failure status, quarantine file and row', async (_name, make, status, code) => {
    const bytes = Buffer.from(make());
    const assoc = association({ callingAeTitle: 'BADPEER' });
    const req = storeRequest(bytes, assoc);
    const answer = await receiver().onStore(req);
    expect(answer).toBe(status);

    const [q] = listQuarantine(db);
    expect(q).toMatchObject({ associationId: assoc.id, callingAe: 'BADPEER', size: bytes.length, dimseStatus: status });
    if (code) expect(q.reasonCode).toBe(code);
    expect(q.reason.length).toBeGreaterThan(0);
    expect(q.path.startsWith(join(spool.root, 'quarantine'))).toBe(true);
    expect(readFileSync(q.path)).toEqual(bytes);
    expect(await filesUnder('studies')).toEqual([]);
    expect(tempFilesIn(spool.root)).toEqual([]);
    expect(events).toEqual([]);
    expect(getAssociation(db, assoc.id)).toMatchObject({ failures: 1, instancesReceived: 0 });
  });

  it('a data set whose SOP Instance UID differs from the C-STORE request → 0xA900', async () => {
    const bytes = fixtures.ctSmall();
    const answer = await receiver().onStore(storeRequest(bytes, association(), { sopInstanceUid: '1.2.3.999' }));
    expect(answer).toBe(DimseStatus.DataSetDoesNotMatchSopClass);
    expect(listQuarantine(db)[0]).toMatchObject({ reasonCode: 'PACS_E_SOP_INSTANCE_MISMATCH', sopInstanceUid: uidsOf(bytes).sop });
  });

  it('a data set whose SOP Class differs from the C-STORE request → 0xA900', async () => {
    const answer = await receiver().onStore(
      storeRequest(fixtures.ctSmall(), association(), { sopClassUid: '1.2.840.10008.5.1.4.1.1.4' }),
    );
    expect(answer).toBe(DimseStatus.DataSetDoesNotMatchSopClass);
    expect(listQuarantine(db)[0].reasonCode).toBe('PACS_E_SOP_CLASS_MISMATCH');
  });

  it('an object above the size limit is quarantined', async () => {
    const r = await receiver({ maxInstanceBytes: 1000 }).ingest({ bytes: fixtures.ctSmall(), associationId: null });
    expect(r).toMatchObject({ status: DimseStatus.CannotUnderstand, outcome: 'quarantined', reasonCode: 'PACS_E_TOO_LARGE' });
    expect(existsSync(r.path!)).toBe(true);
  });

  it('keeps serving after bad input: the next good instance is stored', async () => {
    const r = receiver();
    const assoc = association();
    expect(await r.onStore(storeRequest(fixtures.randomBytes(), assoc))).toBe(DimseStatus.CannotUnderstand);
    expect(await r.onStore(storeRequest(fixtures.mrSmall(), assoc))).toBe(DimseStatus.Success);
    expect(getAssociation(db, assoc.id)).toMatchObject({ failures: 1, instancesReceived: 1 });
  });
});

describe('InstanceReceiver: resources and failures', () => {
  it('answers 0xA700 and writes nothing when the disk is below the threshold', async () => {
    const assoc = association();
    const status = await receiver({ minFreeBytes: Number.MAX_SAFE_INTEGER }).onStore(storeRequest(fixtures.ctSmall(), assoc));
    expect(status).toBe(DimseStatus.OutOfResources);
    expect(tempFilesIn(spool.root)).toEqual([]);
    expect(await filesUnder('studies')).toEqual([]);
    expect(listQuarantine(db)).toEqual([]);
    expect(getAssociation(db, assoc.id)?.failures).toBe(1);
  });

  it('calls on the spool to discard only a temp file nobody moved (an identical re-send), not after a commit or a quarantine', async () => {
    const discard = vi.spyOn(spool, 'discard');
    const r = receiver();
    const bytes = fixtures.ctSmall();
    expect(await r.onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
    expect(await r.onStore(storeRequest(fixtures.randomBytes(), association()))).toBe(DimseStatus.CannotUnderstand);
    expect(discard).not.toHaveBeenCalled();
    expect(await r.onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
    expect(discard).toHaveBeenCalledTimes(1);
    expect(tempFilesIn(spool.root)).toEqual([]);
  });

  it('reads the free space at most every 100 ms, counting what it accepted since, and reads again before it refuses', async () => {
    const bytes = fixtures.ctSmall();
    const min = 1_000_000;
    let free = min + 2.5 * bytes.byteLength;
    let reads = 0;
    vi.spyOn(spool, 'diskFree').mockImplementation(async () => {
      reads++;
      return { freeBytes: free, totalBytes: 10 * min };
    });
    let clock = 1_000_000;
    const r = receiver({ minFreeBytes: min, now: () => clock });
    const store = async (): Promise<number> => r.onStore(storeRequest(bytes, association()));

    expect(await store()).toBe(DimseStatus.Success);
    expect(await store()).toBe(DimseStatus.Success);
    expect(reads).toBe(1);
    // The estimate (2.5 objects' room, 2 accepted) says no: read again, and the disk has room after all.
    free = 10 * min;
    expect(await store()).toBe(DimseStatus.Success);
    expect(reads).toBe(2);
    // Past 100 ms the reading is renewed even when the estimate has room.
    free = min;
    clock += 101;
    expect(await store()).toBe(DimseStatus.OutOfResources);
    expect(reads).toBe(3);
  });

  it('a failing database commit answers 0x0110 and leaves no file behind', async () => {
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON instances BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END`);
    const bytes = fixtures.ctSmall();
    const status = await receiver().onStore(storeRequest(bytes, association()));
    expect(status).toBe(DimseStatus.ProcessingFailure);
    expect(await filesUnder('studies')).toEqual([]);
    expect(tempFilesIn(spool.root)).toEqual([]);
    expect(events).toEqual([]);
    db.exec('DROP TRIGGER refuse');
    expect(await receiver().onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
  });

  it('a spool that cannot be written answers a transient failure (0xA700)', async () => {
    await rm(join(spool.root, 'incoming'), { recursive: true });
    await writeFile(join(spool.root, 'incoming'), 'not a directory');
    const assoc = association();
    expect(await receiver().onStore(storeRequest(fixtures.ctSmall(), assoc))).toBe(DimseStatus.OutOfResources);
    expect(getAssociation(db, assoc.id)?.failures).toBe(1);
  });

  it('a throwing onStored listener does not change the answer', async () => {
    const r = receiver({
      onStored: () => {
        throw new Error('listener bug');
      },
    });
    expect(await r.onStore(storeRequest(fixtures.ctSmall(), association()))).toBe(DimseStatus.Success);
  });
});

describe('crash safety', () => {
  it('a temp file left by a crash is removed on recovery and nothing acknowledged is lost', async () => {
    const r = receiver();
    const acked = [fixtures.ctSmall(), fixtures.mrSmall(), fixtures.jpeg2000()];
    for (const b of acked) expect(await r.onStore(storeRequest(b, association()))).toBe(DimseStatus.Success);

    // A crash after writeDurably, before the rename: the peer got no answer.
    const halfway = await spool.writeDurably(fixtures.mrSmallEdited('never acknowledged'));
    // A crash after the rename, before the row commit: an orphan under studies/, also unanswered.
    const orphanBytes = fixtures.ctWithoutSeriesUid();
    await spool.writeFileDurably(spool.instanceRelPath('1.2', '1.2.3', '1.2.3.4'), orphanBytes);
    await writeFile(join(spool.root, 'incoming', 'torn.part'), Buffer.alloc(10));
    db.close();

    // Restart.
    db = openDatabase(join(dir, 'node.sqlite'));
    spool = new Spool(join(dir, 'spool'));
    await writeFile(join(spool.inboxDir, 'left-by-dcmtk.dcm'), fixtures.mrSmallEdited('from the inbox'));
    const rec = await recoverReceiveSide({
      spool,
      receiver: receiver(),
      recorder: new AssociationRecorder({ db, log: silentLogger, transport: 'dcmjs-dimse' }),
      log: silentLogger,
    });
    expect(rec.spool).toMatchObject({ removedTempFiles: 2, inboxFiles: 1 });
    expect(rec.interruptedAssociations).toBe(3);
    expect(rec.inbox).toEqual({ outcomes: { stored: 1 }, kept: 0 });
    expect(existsSync(halfway.tempPath)).toBe(false);
    expect(tempFilesIn(spool.root)).toEqual([]);

    // Every acknowledged object still has its row and its exact bytes on disk.
    for (const b of acked) {
      const row = findBySop(db, uidsOf(b).sop).find((r) => r.sha256 === sha256(b));
      expect(row).toBeDefined();
      expect(sha256(readFileSync(row!.path))).toBe(row!.sha256);
    }
    // The sender retries the unacknowledged instance; it lands normally.
    const retry = await receiver().ingest({ bytes: fixtures.mrSmallEdited('never acknowledged'), associationId: null });
    expect(retry.outcome).toBe('stored');
  });
});
