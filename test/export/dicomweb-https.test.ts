import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DicomwebExportDestination } from '../../src/export/destination.js';
import { classifyOutcome } from '../../src/export/failure-class.js';
import { createDicomwebTransport } from '../../src/export/transports/dicomweb.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { TEST_FILES, itemFor } from './transport-conformance.js';

const ITEM = itemFor(join(TEST_FILES, 'CT_small.dcm'));

/**
 * STOW-RS over https to a server whose certificate a private CA signed, asking for a client
 * certificate: the destination's `tls.ca` makes it trusted, `tls.cert`/`key` identify the node,
 * and the bearer token reaches the server. Without the CA the handshake fails and the delivery is
 * retried (a later attempt, after the configuration is fixed, can succeed).
 */
describe('DICOMweb transport over https with a private CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dicomweb-tls-'));
  const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
  const seen: Array<{ url?: string; auth?: string; type?: string; client?: string }> = [];
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    await makeCertificates(dir);
    server = https.createServer({ cert: pem('ca-server.crt'), key: pem('ca-server.key'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], client: String(peer.subject?.CN) });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/dicom+json' });
        res.end(JSON.stringify({ '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [ITEM.sopInstanceUid] } }] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const dest = (tls: DicomwebExportDestination['tls']): DicomwebExportDestination => ({
    name: 'tls-web',
    kind: 'dicomweb',
    url,
    auth: { kind: 'bearer', token: 'tok-123' },
    ...(tls ? { tls } : {}),
    timeoutMs: 10_000,
    maxInstancesPerRequest: 50,
    maxAttempts: 3,
    backoff: { initialMs: 10, maxMs: 100 },
  });

  it('trusts the private CA, presents the client certificate, sends the bearer token', async () => {
    const outcomes = await createDicomwebTransport().send(dest({ ca: pem('ca.crt'), cert: pem('ca-client.crt'), key: pem('ca-client.key') }), [ITEM]);
    expect(outcomes.map(classifyOutcome)).toEqual(['delivered']);
    expect(seen.at(-1)).toEqual({ url: '/dicom-web/studies', auth: 'Bearer tok-123', type: expect.stringMatching(/^multipart\/related; type="application\/dicom"; boundary=/), client: 'client' });
  });

  it('without the CA the certificate is not trusted: retried, nothing reached the server', async () => {
    const before = seen.length;
    const outcomes = await createDicomwebTransport().send(dest(undefined), [ITEM]);
    expect(outcomes.map(classifyOutcome)).toEqual(['retry']);
    expect(outcomes[0]!.error).toMatch(/certificate/);
    expect(seen.length).toBe(before);
  });
});
