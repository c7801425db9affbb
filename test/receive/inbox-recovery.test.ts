import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import type { Db } from '../../src/provenance/database.js';
import { findBySop } from '../../src/provenance/instances.js';
import { listQuarantine } from '../../src/provenance/quarantine.js';
import { recoverInbox } from '../../src/receive/inbox-recovery.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Spool } from '../../src/spool/spool.js';
import { startStoreScp, storescu } from '../helpers/dcmtk.js';
import { PYDICOM_FILES, closeTempStore, fixtures, openTempStore, uidsOf } from './receive-fixtures.js';

let dir: string;
let db: Db;
let spool: Spool;

function receiver(over: { minFreeBytes?: number } = {}): InstanceReceiver {
  return new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, ...over });
}

beforeEach(async () => {
  ({ dir, db, spool } = await openTempStore('inbox-'));
});

afterEach(() => closeTempStore({ dir, db }));

describe('recoverInbox', () => {
  it('adopts good files, quarantines bad ones and empties the inbox', async () => {
    await writeFile(join(spool.inboxDir, 'CT.dcm'), fixtures.ctSmall());
    await mkdir(join(spool.inboxDir, 'sub'));
    await writeFile(join(spool.inboxDir, 'sub', 'MR.dcm'), fixtures.mrSmall());
    await writeFile(join(spool.inboxDir, 'junk.dcm'), fixtures.randomBytes());
    await writeFile(join(spool.inboxDir, 'again.dcm'), fixtures.ctSmall());

    const r = await recoverInbox(receiver(), spool.inboxDir, { log: silentLogger, calledAe: 'UNIMIE' });
    expect(r).toEqual({ outcomes: { stored: 2, duplicate: 1, quarantined: 1 }, kept: 0 });
    expect(await readdir(spool.inboxDir, { recursive: true })).toEqual(['sub']);
    expect(findBySop(db, uidsOf(fixtures.ctSmall()).sop)).toHaveLength(1);
    expect(findBySop(db, uidsOf(fixtures.mrSmall()).sop)[0].associationId).toBeNull();
    expect(listQuarantine(db).map((q) => q.reasonCode)).toEqual(['PACS_E_NOT_DICOM']);
  });

  it('leaves files in place when the disk is below the threshold', async () => {
    await writeFile(join(spool.inboxDir, 'CT.dcm'), fixtures.ctSmall());
    const r = await recoverInbox(receiver({ minFreeBytes: Number.MAX_SAFE_INTEGER }), spool.inboxDir, { log: silentLogger });
    expect(r).toEqual({ outcomes: {}, kept: 1 });
    expect(existsSync(join(spool.inboxDir, 'CT.dcm'))).toBe(true);
  });

  it('treats a missing inbox as empty', async () => {
    expect(await recoverInbox(receiver(), join(dir, 'nope'), { log: silentLogger })).toEqual({ outcomes: {}, kept: 0 });
  });

  it('adopts what DCMTK storescp wrote (a real transport inbox)', async () => {
    const scp = await startStoreScp({ dir: spool.inboxDir, aeTitle: 'UNIMIE' });
    try {
      const ct5n = join(PYDICOM_FILES, 'dicomdirtests', '98892001', 'CT5N');
      const sent = await storescu(
        { port: scp.port, callingAeTitle: 'MODALITY', calledAeTitle: 'UNIMIE' },
        [join(PYDICOM_FILES, 'CT_small.dcm'), join(PYDICOM_FILES, 'MR_small.dcm'), ct5n],
        ['+sd'],
      );
      expect(sent.rc, sent.output).toBe(0);
    } finally {
      await scp.stop();
    }
    const r = await recoverInbox(receiver(), spool.inboxDir, { log: silentLogger, calledAe: 'UNIMIE' });
    expect(r).toEqual({ outcomes: { stored: 7 }, kept: 0 });
    expect(await readdir(spool.inboxDir)).toEqual([]);
    const ct = findBySop(db, uidsOf(fixtures.ctSmall()).sop);
    expect(ct).toHaveLength(1);
    expect(existsSync(ct[0].path)).toBe(true);
    const ct5nSeries = db.prepare(`SELECT COUNT(DISTINCT series_uid) AS n, COUNT(*) AS c FROM instances WHERE sop_instance_uid != ? AND sop_instance_uid != ?`)
      .get(uidsOf(fixtures.ctSmall()).sop, uidsOf(fixtures.mrSmall()).sop) as { n: number; c: number };
    expect(ct5nSeries).toEqual({ n: 1, c: 5 });
  });
});
