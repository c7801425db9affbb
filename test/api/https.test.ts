import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { silentLogger } from '../../src/shared/log.js';
import { freePort } from '../helpers/ports.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { REPO, removeDir, writeTestConfig } from '../e2e/node-harness.js';

/** GET over https trusting `ca` (no keep-alive, so every request is a new handshake): status and body, or the error code. */
function getHttps(url: string, ca?: string): Promise<{ status?: number; body?: string; error?: string; headers?: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { ...(ca ? { ca } : {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

function getHttp(url: string): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

function healthcheck(configDir: string, ...args: string[]): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'healthcheck', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('API and dashboard over HTTPS (api.tls)', () => {
  let certs: string;
  let configDir: string;
  let node: RunningNode;
  let base: string;

  beforeAll(async () => {
    certs = mkdtempSync(join(tmpdir(), 'api-tls-'));
    await makeCertificates(certs, 'ca');
    await makeCertificates(certs, 'renewed');
    // The files node.yaml names; the SIGHUP test replaces them with the renewed certificate.
    copyFileSync(join(certs, 'ca-server.crt'), join(certs, 'api.crt'));
    copyFileSync(join(certs, 'ca-server.key'), join(certs, 'api.key'));
    copyFileSync(join(certs, 'ca.crt'), join(certs, 'api-ca.crt'));
    const apiPort = await freePort();
    configDir = writeTestConfig({ port: await freePort(), transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() }, apiPort });
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(
      nodeYaml,
      readFileSync(nodeYaml, 'utf8').replace(`api:\n  port: ${apiPort}\n`, `api:\n  port: ${apiPort}\n  tls: { cert: ${certs}/api.crt, key: ${certs}/api.key, ca: ${certs}/api-ca.crt }\n`),
    );
    node = await startNode({ configDir, log: silentLogger });
    base = `https://127.0.0.1:${node.api!.port}`;
  });

  afterAll(async () => {
    await node?.stop();
    removeDir(configDir);
    removeDir(certs);
  });

  it('answers over HTTPS with the configured certificate: health, API and dashboard', async () => {
    expect(node.api!.scheme).toBe('https');
    const ca = readFileSync(join(certs, 'ca.crt'), 'utf8');
    expect(await getHttps(`${base}/healthz`, ca)).toMatchObject({ status: 200 });
    const status = await getHttps(`${base}/api/status`, ca);
    expect(status.status, status.body).toBe(200);
    expect(JSON.parse(status.body!)).toMatchObject({ node: { aeTitle: 'UNIMIE' } });
    const page = await getHttps(`${base}/`, ca);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/i);
    expect(page.headers!['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('refuses plain HTTP on the same port, and a client that does not trust the issuer', async () => {
    const plain = await getHttp(`http://127.0.0.1:${node.api!.port}/healthz`);
    expect(plain.status).toBeUndefined();
    expect(plain.error).toMatch(/ECONNRESET|socket hang up|HPE_/);
    const untrusted = await getHttps(`${base}/healthz`);
    expect(untrusted.error).toMatch(/CERT|UNABLE_TO_VERIFY|SELF_SIGNED/);
  });

  it('healthcheck takes the scheme and the CA from node.yaml', async () => {
    const ok = await healthcheck(configDir, '--timeout', '5');
    expect(ok.rc, ok.out).toBe(0);
    expect(ok.out).toContain(`ok: ${base}/healthz`);
    // --url without the CA does not trust a private issuer; with --ca it does (name checked: SAN 127.0.0.1).
    const untrusted = await healthcheck(configDir, '--url', `${base}/healthz`, '--timeout', '5');
    expect(untrusted.rc).toBe(1);
    expect(untrusted.out).toMatch(/unhealthy: .*(CERT|UNABLE_TO_VERIFY|SELF_SIGNED)/);
    const withCa = await healthcheck(configDir, '--url', `${base}/healthz`, '--ca', join(certs, 'ca.crt'), '--timeout', '5');
    expect(withCa.rc, withCa.out).toBe(0);
  });

  it('serves a renewed certificate after a reload (SIGHUP), without a restart', async () => {
    const oldCa = readFileSync(join(certs, 'ca.crt'), 'utf8');
    const newCa = readFileSync(join(certs, 'renewed.crt'), 'utf8');
    expect((await getHttps(`${base}/healthz`, newCa)).error).toBeDefined();
    copyFileSync(join(certs, 'renewed-server.crt'), join(certs, 'api.crt'));
    copyFileSync(join(certs, 'renewed-server.key'), join(certs, 'api.key'));
    copyFileSync(join(certs, 'renewed.crt'), join(certs, 'api-ca.crt'));
    expect(node.reload()).toMatchObject({ ok: true, changed: true });
    expect(await getHttps(`${base}/healthz`, newCa)).toMatchObject({ status: 200 });
    expect((await getHttps(`${base}/healthz`, oldCa)).error).toMatch(/CERT|UNABLE_TO_VERIFY|SELF_SIGNED/);
    const ok = await healthcheck(configDir, '--timeout', '5');
    expect(ok.rc, ok.out).toBe(0);

    // A key that does not belong to the certificate: refused, the renewed pair stays in service.
    copyFileSync(join(certs, 'ca-server.key'), join(certs, 'api.key'));
    expect(node.reload()).toMatchObject({ ok: true, changed: true });
    expect(await getHttps(`${base}/healthz`, newCa)).toMatchObject({ status: 200 });
  });
});

describe('api.tls in node.yaml', () => {
  const rules = { file: '/etc/unimie-node/rules.yaml', text: 'rules:\n  - { name: default, default: true, actions: { drop: true } }\n' };
  const node = (tls: string) => ({ file: '/etc/unimie-node/node.yaml', text: `api:\n  port: 8443\n  tls: ${tls}\n` });
  const pem = '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n';

  it('reads the files relative to node.yaml into the resolved config', () => {
    const read: string[] = [];
    const c = parseConfig({ node: node('{ cert: tls/api.crt, key: /keys/api.key }'), rules }, { readText: (p) => (read.push(p), pem) });
    expect(read).toEqual(['/etc/unimie-node/tls/api.crt', '/keys/api.key']);
    expect(c.api.tls).toMatchObject({ cert: pem, key: pem, files: { cert: '/etc/unimie-node/tls/api.crt', key: '/keys/api.key' } });
  });

  it('names the file and the key of a missing certificate, and refuses client certificates', () => {
    expect(() => parseConfig({ node: node('{ cert: nope.crt, key: k.pem }'), rules }, { readText: (p) => { if (p.endsWith('nope.crt')) throw Object.assign(new Error('x'), { code: 'ENOENT' }); return pem; } })).toThrow(
      /node\.yaml:\d+:\d+: api\.tls\.cert: cannot read \/etc\/unimie-node\/nope\.crt: ENOENT/,
    );
    expect(() => parseConfig({ node: node('{ cert: a.crt, key: a.key, ca: ca.crt, requireClientCert: true }'), rules }, { readText: () => pem })).toThrow(
      /api\.tls\.requireClientCert: client certificates for the API are not supported/,
    );
  });
});
