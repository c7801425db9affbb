import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { ScpTransport } from '../../src/net/types.js';
import { listAssociations } from '../../src/provenance/associations.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { listBySeries } from '../../src/provenance/instances.js';
import { listQuarantine } from '../../src/provenance/quarantine.js';
import { AssociationRecorder } from '../../src/receive/association-recorder.js';
import { InstanceReceiver, type StoredInstance } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { storescu } from '../helpers/dcmtk.js';
import { PYDICOM_FILES, fixtures, uidsOf } from './receive-fixtures.js';

/** Polls until the association log has a row (the close event may trail the peer's exit). */
async function eventually<T>(read: () => T[], timeoutMs = 5000): Promise<T[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = read();
    if (rows.length > 0 || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** DCMTK storescu → dcmjs-dimse SCP → InstanceReceiver: statuses reach the peer, rows and files agree. */
describe('receive path over DIMSE', () => {
  const work = mkdtempSync(join(tmpdir(), 'receive-dimse-'));
  let db: Db;
  let spool: Spool;
  let scp: ScpTransport;
  const events: StoredInstance[] = [];

  beforeAll(async () => {
    db = openDatabase(join(work, 'node.sqlite'));
    spool = new Spool(join(work, 'spool'));
    await spool.init();
    const receiver = new InstanceReceiver({
      db,
      spool,
      log: silentLogger,
      decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES,
      onStored: (ev) => events.push(ev),
    });
    scp = createDcmjsScp(
      {
        name: 'main',
        aeTitle: 'UNIMIE',
        host: '127.0.0.1',
        port: 0,
        acceptedTransferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian],
      },
      {
        policy: new AllowListPolicy({
          listeners: [{ listener: 'main', aeTitle: 'UNIMIE', allow: [{ aeTitle: 'MODALITY', hosts: ['127.0.0.1'] }] }],
        }),
        handler: receiver,
        events: new AssociationRecorder({ db, log: silentLogger, transport: 'dcmjs-dimse' }),
        log: silentLogger,
      },
    );
    await scp.start();
  });

  afterAll(async () => {
    await scp?.stop();
    db?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores a series, answers 0xA900 for a bad object on the same association, and logs it', async () => {
    const bad = join(work, 'no-series-uid.dcm');
    writeFileSync(bad, fixtures.ctWithoutSeriesUid());
    const ct5n = join(PYDICOM_FILES, 'dicomdirtests', '98892001', 'CT5N');
    const r = await storescu({ port: scp.port(), callingAeTitle: 'MODALITY', calledAeTitle: 'UNIMIE' }, [ct5n, bad], [
      '+sd',
      '-v',
    ]);
    expect(r.output).toMatch(/Received Store Response \(Error: DataSetDoesNotMatchSOPClass\)/);
    expect(r.output.match(/Received Store Response \(Success\)/g)).toHaveLength(5);

    const stored = events.filter((e) => e.status === 'stored');
    expect(stored).toHaveLength(5);
    expect(new Set(stored.map((e) => e.seriesUid)).size).toBe(1);
    expect(listBySeries(db, stored[0].seriesUid)).toHaveLength(5);
    const [q] = listQuarantine(db);
    expect(q).toMatchObject({ reasonCode: 'PACS_E_MISSING_UID', dimseStatus: 0xa900, callingAe: 'MODALITY' });
    expect(q.sopInstanceUid).toBe(uidsOf(fixtures.ctSmall()).sop);

    const [assoc] = await eventually(() => listAssociations(db, { outcome: 'released' }));
    expect(assoc).toMatchObject({ callingAe: 'MODALITY', transport: 'dcmjs-dimse', instancesReceived: 5, failures: 1 });
  });

  it('records a rejected caller with its reason', async () => {
    const r = await storescu({ port: scp.port(), callingAeTitle: 'STRANGER', calledAeTitle: 'UNIMIE' }, [
      join(PYDICOM_FILES, 'CT_small.dcm'),
    ]);
    expect(r.rc).not.toBe(0);
    const [rej] = await eventually(() => listAssociations(db, { outcome: 'rejected' }));
    expect(rej.callingAe).toBe('STRANGER');
    expect(rej.rejectReason).toMatch(/A-ASSOCIATE-RJ/);
  });
});
