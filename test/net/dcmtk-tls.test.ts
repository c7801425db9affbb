import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import type { DimseExportDestination } from '../../src/export/destination.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import type { ScpTransport, StoreRequest } from '../../src/net/types.js';
import { silentLogger } from '../../src/shared/log.js';
import { startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { pydicomTestFile } from '../helpers/debian-fixtures.js';

const CT = pydicomTestFile('CT_small.dcm');

/** DICOM TLS against DCMTK with certificates made by the test: our TLS destination and our mutual-TLS listener. */
describe('DICOM TLS with DCMTK storescp/storescu (+tls, certificates from openssl)', () => {
  const work = mkdtempSync(join(tmpdir(), 'dcmtk-tls-'));
  const f = (name: string) => join(work, name);
  const pem = (name: string) => readFileSync(f(name), 'utf8');
  let tlsPacs: StoreScp;
  let plainPacs: StoreScp;
  let listener: ScpTransport;
  const stored: StoreRequest[] = [];
  const item = (() => {
    const h = readPart10(readFileSync(CT), { untilPixelData: true });
    return { path: CT, sopClassUid: String(h.dataset.SOPClassUID), sopInstanceUid: String(h.dataset.SOPInstanceUID), transferSyntaxUid: h.transferSyntaxUid };
  })();

  beforeAll(async () => {
    await makeCertificates(work, 'ca');
    await makeCertificates(work, 'rogue'); // a second CA nobody trusts
    // storescp +tls requires and verifies the peer's certificate by default (--require-peer-cert).
    tlsPacs = await startStoreScp({ dir: f('pacs-tls'), aeTitle: 'TLSPACS', extraArgs: ['+tls', f('ca-server.key'), f('ca-server.crt'), '+cf', f('ca.crt')] });
    plainPacs = await startStoreScp({ dir: f('pacs-plain'), aeTitle: 'PLAINPACS' });
    listener = createDcmjsScp(
      {
        name: 'tls', aeTitle: 'UNIMIE', host: '127.0.0.1', port: 0,
        tls: { cert: pem('ca-server.crt'), key: pem('ca-server.key'), ca: pem('ca.crt'), requestClientCert: true },
        acceptedTransferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian],
      },
      {
        policy: new AllowListPolicy({ listeners: [{ listener: 'tls', aeTitle: 'UNIMIE', allow: [{ aeTitle: '*' }] }] }),
        handler: { onStore: async (r) => (stored.push(r), 0) },
        log: silentLogger,
      },
    );
    await listener.start();
  }, 60_000);

  afterAll(async () => {
    await tlsPacs?.stop();
    await plainPacs?.stop();
    await listener?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const destination = (over: Partial<DimseExportDestination>): DimseExportDestination => ({
    name: 'pacs', kind: 'dimse', aeTitle: 'TLSPACS', host: '127.0.0.1', port: tlsPacs.port, callingAeTitle: 'UNIMIE',
    maxAttempts: 3, backoff: { initialMs: 100, maxMs: 1000, jitter: 'equal' }, timeoutMs: 5000,
    tls: { cert: pem('ca-client.crt'), key: pem('ca-client.key'), ca: pem('ca.crt') },
    ...over,
  });
  const transport = createDimseScuTransport(createDcmjsScu({ log: silentLogger }));

  it('our TLS destination delivers to storescp +tls with a client certificate', async () => {
    const [o] = await transport.send(destination({}), [item]);
    expect(o).toMatchObject({ sopInstanceUid: item.sopInstanceUid, status: 0 });
    expect(readdirSync(tlsPacs.dir).length).toBe(1);
  });

  it('storescp +tls refuses our SCU without a client certificate, or with one from an untrusted CA', async () => {
    const before = readdirSync(tlsPacs.dir).length;
    for (const tls of [{ cert: '', key: '', ca: pem('ca.crt') }, { cert: pem('rogue-client.crt'), key: pem('rogue-client.key'), ca: pem('ca.crt') }]) {
      const r = await transport.send(destination({ tls }), [item]).then(
        (outcomes) => outcomes[0]?.status,
        (err: unknown) => err,
      );
      expect(r).not.toBe(0);
    }
    expect(readdirSync(tlsPacs.dir).length).toBe(before);
  });

  it('our TLS destination does not talk to a plain storescp (no fallback to clear text)', async () => {
    const r = await transport.send(destination({ aeTitle: 'PLAINPACS', port: plainPacs.port }), [item]).then(
      (outcomes) => outcomes[0]?.status,
      (err: unknown) => err,
    );
    expect(r).not.toBe(0);
    expect(readdirSync(plainPacs.dir)).toHaveLength(0);
  });

  it('our mutual-TLS listener: storescu +tls with a trusted client certificate stores; anonymous TLS, an untrusted CA and clear text are refused', async () => {
    const peer = { port: listener.port(), callingAeTitle: 'DCMTK', calledAeTitle: 'UNIMIE' };
    const ok = await storescu(peer, [CT], ['+tls', f('ca-client.key'), f('ca-client.crt'), '+cf', f('ca.crt')]);
    expect(ok.rc, ok.output).toBe(0);
    expect(stored.at(-1)?.association.tls).toBe(true);
    const count = stored.length;
    const refused = [
      ['+tla', '+cf', f('ca.crt')],
      ['+tls', f('rogue-client.key'), f('rogue-client.crt'), '+cf', f('ca.crt')],
      ['-to', '5', '-ta', '5'],
    ];
    for (const args of refused) {
      const r = await storescu(peer, [CT], args);
      expect(r.rc, args.join(' ')).not.toBe(0);
    }
    expect(stored.length).toBe(count);
  });
});
