import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { TransientTransportError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import type { AssociationReject, ListenerOptions, ScpTransport, StoreRequest, TlsOptions } from '../../src/net/types.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const FILES = pydicomData('test_files');
const CT = join(FILES, 'CT_small.dcm');


const accepted = [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];

describe('dcmjs-dimse SCP/SCU over mutual TLS, and the association limit', () => {
  const work = mkdtempSync(join(tmpdir(), 'tls-test-'));
  const pem = (f: string) => readFileSync(join(work, f), 'utf8');
  let tlsScp: ScpTransport;
  let limitedScp: ScpTransport;
  const stores: StoreRequest[] = [];
  const rejects: AssociationReject[] = [];
  let release: (() => void) | undefined;
  let storeStarted: (() => void) | undefined;

  const policy = new AllowListPolicy({
    listeners: [
      { listener: 'tls', aeTitle: 'NODE', allow: [{ aeTitle: '*', hosts: ['127.0.0.1'] }] },
      { listener: 'small', aeTitle: 'NODE', allow: [{ aeTitle: '*' }] },
    ],
  });

  beforeAll(async () => {
    await makeCertificates(work);
    const tls: TlsOptions = { cert: pem('ca-server.crt'), key: pem('ca-server.key'), ca: pem('ca.crt'), requestClientCert: true };
    const base: Omit<ListenerOptions, 'name'> = { aeTitle: 'NODE', host: '127.0.0.1', port: 0, acceptedTransferSyntaxes: accepted };
    tlsScp = createDcmjsScp({ ...base, name: 'tls', tls }, {
      policy,
      log: silentLogger,
      handler: { onStore: async (r) => (stores.push(r), 0) },
    });
    limitedScp = createDcmjsScp({ ...base, name: 'small', maxAssociations: 1 }, {
      policy,
      log: silentLogger,
      events: { onAssociationRejected: (_r, reject) => rejects.push(reject) },
      handler: {
        onStore: () =>
          new Promise<number>((resolve) => {
            release = () => resolve(0);
            storeStarted?.();
          }),
      },
    });
    await tlsScp.start();
    await limitedScp.start();
  });

  afterAll(async () => {
    await tlsScp?.stop();
    await limitedScp?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('our SCU echoes and stores over TLS with a client certificate', async () => {
    const scu = createDcmjsScu({ log: silentLogger });
    const peer = {
      aeTitle: 'NODE', host: '127.0.0.1', port: tlsScp.port(), callingAeTitle: 'SCU',
      tls: { cert: pem('ca-client.crt'), key: pem('ca-client.key'), ca: pem('ca.crt') },
    };
    expect(await scu.echo(peer)).toMatchObject({ ok: true, status: 0 });
    const f = readPart10(readFileSync(CT), { untilPixelData: true });
    const [o] = await scu.store(peer, [{ path: CT, sopClassUid: String(f.dataset.SOPClassUID), sopInstanceUid: String(f.dataset.SOPInstanceUID), transferSyntaxUid: f.transferSyntaxUid }]);
    expect(o.status).toBe(0);
    expect(stores.at(-1)?.association.tls).toBe(true);
  });

  it('DCMTK echoscu/storescu with +tls interoperate', async () => {
    const tlsArgs = ['+tls', join(work, 'ca-client.key'), join(work, 'ca-client.crt'), '+cf', join(work, 'ca.crt')];
    const peer = { port: tlsScp.port(), callingAeTitle: 'DCMTK', calledAeTitle: 'NODE' };
    const e = await echoscu(peer, tlsArgs);
    expect(e.rc, e.output).toBe(0);
    const s = await storescu(peer, [CT], tlsArgs);
    expect(s.rc, s.output).toBe(0);
  });

  it('a client without a certificate gets no association (mutual TLS)', async () => {
    const scu = createDcmjsScu({ log: silentLogger });
    const e = await scu.echo({ aeTitle: 'NODE', host: '127.0.0.1', port: tlsScp.port(), callingAeTitle: 'SCU', timeoutMs: 3000, tls: { cert: '', key: '', ca: pem('ca.crt') } });
    expect(e.ok).toBe(false);
    const plain = await echoscu({ port: tlsScp.port(), callingAeTitle: 'DCMTK', calledAeTitle: 'NODE' }, ['-to', '3', '-ta', '3']);
    expect(plain.rc).not.toBe(0);
  });

  it('rejects transiently (local limit exceeded) while maxAssociations are open', async () => {
    const started = new Promise<void>((r) => (storeStarted = r));
    const first = storescu({ port: limitedScp.port(), callingAeTitle: 'ONE', calledAeTitle: 'NODE' }, [CT]);
    await started; // the first association is open, its C-STORE waits in the handler
    const second = await echoscu({ port: limitedScp.port(), callingAeTitle: 'TWO', calledAeTitle: 'NODE' });
    expect(second.rc).not.toBe(0);
    expect(second.output).toMatch(/Rejected Transient/i);
    expect(rejects.at(-1)).toMatchObject({ result: 2, source: 3, reason: 2 });
    // Our SCU classifies it as transient.
    const scu = createDcmjsScu({ log: silentLogger });
    const err = await scu
      .store({ aeTitle: 'NODE', host: '127.0.0.1', port: limitedScp.port(), callingAeTitle: 'THREE' }, [{ path: CT, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientTransportError);
    release?.();
    expect((await first).rc).toBe(0);
    // Once it is released, a new association is accepted.
    await new Promise((r) => setTimeout(r, 100));
    expect((await echoscu({ port: limitedScp.port(), callingAeTitle: 'TWO', calledAeTitle: 'NODE' })).rc).toBe(0);
  });
});
