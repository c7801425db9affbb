import { existsSync } from 'node:fs';
import { copyFile, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import type { Db } from '../../src/provenance/database.js';
import { findBySop, findCurrentBySop } from '../../src/provenance/instances.js';
import { InstanceReceiver, type StoredInstance } from '../../src/receive/instance-receiver.js';
import { rescanSpool } from '../../src/receive/spool-rescan.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Spool } from '../../src/spool/spool.js';
import { association, closeTempStore, fixtures, openTempStore, storeRequest, uidsOf } from './receive-fixtures.js';

let dir: string;
let db: Db;
let spool: Spool;

function receiver(onStored?: (ev: StoredInstance) => void): InstanceReceiver {
  return new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, onStored });
}

/** What a power cut does to the last commits under synchronous=NORMAL: the rows are gone, the files stay. */
function loseRows(sop: string): void {
  db.prepare('DELETE FROM instances WHERE sop_instance_uid = ?').run(sop);
}

beforeEach(async () => {
  ({ dir, db, spool } = await openTempStore('rescan-'));
});

afterEach(() => closeTempStore({ dir, db }));

describe('rescanSpool: spooled files whose rows were lost are registered again', () => {
  it('registers an acknowledged file without a row, with its facts read from the file', async () => {
    const ct = fixtures.ctSmall();
    const mr = fixtures.mrSmall();
    const first = receiver();
    const assoc = association();
    expect(await first.onStore(storeRequest(ct, assoc))).toBe(0);
    expect(await first.onStore(storeRequest(mr, assoc))).toBe(0);
    const before = findBySop(db, uidsOf(ct).sop)[0]!;
    loseRows(uidsOf(ct).sop);

    const stored: StoredInstance[] = [];
    const r = await rescanSpool({ spool, receiver: receiver((ev) => stored.push(ev)), log: silentLogger });
    expect(r).toEqual({ registered: 1, leftovers: 0, unreadable: 0 });
    const after = findBySop(db, uidsOf(ct).sop);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      path: before.path,
      sha256: before.sha256,
      size: before.size,
      seriesUid: before.seriesUid,
      studyUid: before.studyUid,
      transferSyntaxUid: before.transferSyntaxUid,
      status: 'stored',
      associationId: null,
    });
    // The router hears of it as of any arrival, so its series is processed.
    expect(stored.map((e) => e.sopInstanceUid)).toEqual([uidsOf(ct).sop]);
    // The MR kept its row and is not registered twice.
    expect(findBySop(db, uidsOf(mr).sop)).toHaveLength(1);
    expect(await rescanSpool({ spool, receiver: receiver(), log: silentLogger })).toEqual({ registered: 0, leftovers: 0, unreadable: 0 });
  });

  it('of two lost copies of one SOP Instance UID, makes the later one current', async () => {
    const rx = receiver();
    const assoc = association();
    const older = fixtures.mrSmall();
    const newer = fixtures.mrSmallEdited('second');
    expect(await rx.onStore(storeRequest(older, assoc))).toBe(0);
    expect(await rx.onStore(storeRequest(newer, assoc))).toBe(0);
    const rows = findBySop(db, uidsOf(older).sop);
    const newerPath = rows.find((c) => c.status !== 'replaced')!.path;
    const olderPath = rows.find((c) => c.status === 'replaced')!.path;
    // The newer file is the later one on disk whatever its name sorts as.
    await utimes(olderPath, new Date(1_000_000), new Date(1_000_000));
    await utimes(newerPath, new Date(2_000_000), new Date(2_000_000));
    loseRows(uidsOf(older).sop);

    expect(await rescanSpool({ spool, receiver: receiver(), log: silentLogger })).toMatchObject({ registered: 2 });
    expect(findCurrentBySop(db, uidsOf(older).sop)?.path).toBe(newerPath);
    expect(findBySop(db, uidsOf(older).sop).map((c) => c.status).sort()).toEqual(['replaced', 'stored']);
  });

  it('leaves alone a stray copy of bytes a row already has, and a file it cannot read', async () => {
    const ct = fixtures.ctSmall();
    const rx = receiver();
    expect(await rx.onStore(storeRequest(ct, association()))).toBe(0);
    const row = findBySop(db, uidsOf(ct).sop)[0]!;
    const stray = join(dirname(row.path), 'stray.dcm');
    await copyFile(row.path, stray);
    const junk = join(dirname(row.path), 'junk.dcm');
    await writeFile(junk, fixtures.randomBytes());

    expect(await rescanSpool({ spool, receiver: receiver(), log: silentLogger })).toEqual({ registered: 0, leftovers: 1, unreadable: 1 });
    expect(findBySop(db, uidsOf(ct).sop)).toHaveLength(1);
    expect(existsSync(stray) && existsSync(junk)).toBe(true);
  });
});
