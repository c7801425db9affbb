import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import { ROUTE_ACCESS, routeKey } from '../../src/api/route-access.js';
import { createApiFixture, type ApiFixture } from '../api/api-fixture.js';
import { echoscu, startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { REPO, removeDir, writeTestConfig } from '../e2e/node-harness.js';
import { exited, until } from './node-process.js';
import { associateRq, rawClient, waitForBytes } from './raw-pdu.js';
import { pydicomTestFile } from '../helpers/debian-fixtures.js';

const CT = pydicomTestFile('CT_small.dcm');
// CT_small's patient: what must never reach the log by default.
const PATIENT_NAME = 'CompressedSamples^CT1';
const PATIENT_ID = '1CT1';
const API_TOKEN = 'tok-3c9f1e77a0b24d6e9a51';
const REDIS_PASSWORD = 'redis-pw-8e21b7c4d95f';

describe('access control: every route but liveness needs the token (registered routes, not a list)', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  const routes: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort() });
    app = buildApi(fx.deps);
    // Route plugins register at ready(): this hook sees each one as fastify adds it.
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
    });
    await app.ready();
    routes.push({ method: 'GET', url: '/openapi.json' }); // registered before the hook
  });
  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  it('answers 401 without credentials on every registered route except /healthz and the static dashboard', async () => {
    // Signing in is open by nature (it answers only "who are you", never patient data).
    const signIn = (r: { method: string; url: string }) => r.url.startsWith('/api/login');
    const isPublic = (r: { method: string; url: string }) => signIn(r) || (r.method === 'GET' && (r.url === '/healthz' || r.url === '/' || r.url.startsWith('/dashboard')));
    // The STOW-RS input checks its own senders (test/api/stow-routes.test.ts); it is off here.
    const ownAuth = (r: { method: string; url: string }) => ROUTE_ACCESS[routeKey(r.method, r.url)] === 'own';
    expect(routes.filter(ownAuth).map((r) => r.url)).toEqual(['/dicom-web/studies', '/dicom-web/studies/:study']);
    const guarded = routes.filter((r) => !isPublic(r) && !ownAuth(r));
    expect(guarded.length).toBeGreaterThan(20);
    for (const r of guarded) {
      const url = r.url.replace(/:[A-Za-z]+/g, '1').replace('*', 'x');
      const res = await app.inject({ method: r.method as 'GET', url });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('access control over DICOM, and no patient identifiers or secrets in the log (node process)', () => {
  let pacs: StoreScp;
  let configDir: string;
  let child: ChildProcess | undefined;
  let logs = '';
  let port: number;
  let apiPort: number;

  beforeAll(async () => {
    pacs = await startStoreScp({ dir: join(REPO, 'var', `acl-pacs-${process.pid}`), aeTitle: 'PACS' });
    port = await freePort();
    apiPort = await freePort();
    configDir = writeTestConfig({ port, apiPort, transport: 'dcmjs-dimse', quietSeconds: 1, pacs: { aeTitle: pacs.aeTitle, port: pacs.port } });
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(
      nodeYaml,
      readFileSync(nodeYaml, 'utf8')
        .replace('logLevel: warn', 'logLevel: debug')
        .replace('    transport: dcmjs-dimse\n', '    transport: dcmjs-dimse\n    idleTimeoutSeconds: 1\n')
        .replace('    allow:\n', '    allow:\n      - aeTitle: REMOTEONLY\n        hosts: [10.9.9.9]\n')
        .replace(`api:\n  port: ${apiPort}\n`, `api:\n  port: ${apiPort}\n  token: ${API_TOKEN}\nexecutor:\n  kind: local\n  redis: { password: ${REDIS_PASSWORD} }\n`),
    );
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    await waitForPort(port, '127.0.0.1', 60_000);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await pacs?.stop();
    removeDir(pacs.dir);
    if (configDir) removeDir(configDir);
  });

  it('rejects each reason with its A-ASSOCIATE-RJ, logs why, records it; admits the allowed caller', async () => {
    const cases = [
      { aet: 'INTRUDER', aec: 'UNIMIE', dcmtk: /Calling AE Title Not Recognized/i, why: /calling AE "INTRUDER" not on the allow-list/ },
      { aet: 'REMOTEONLY', aec: 'UNIMIE', dcmtk: /Calling AE Title Not Recognized/i, why: /host not allowed: 127\.0\.0\.1 for calling AE "REMOTEONLY"/ },
      { aet: 'STORESCU', aec: 'SOMEONE', dcmtk: /Called AE Title Not Recognized/i, why: /called AE "SOMEONE" is not this listener's AE "UNIMIE"/ },
    ];
    for (const c of cases) {
      const r = await echoscu({ port, callingAeTitle: c.aet, calledAeTitle: c.aec });
      expect(r.rc, c.aet).not.toBe(0);
      expect(r.output, c.aet).toMatch(/Rejected Permanent/i);
      expect(r.output, c.aet).toMatch(c.dcmtk);
    }
    expect((await echoscu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' })).rc).toBe(0);
    const db = new Database(join(configDir, 'var', 'provenance.sqlite'), { readonly: true });
    try {
      const rows = db.prepare("SELECT calling_ae AS ae, reject_reason AS why FROM associations WHERE outcome = 'rejected'").all() as Array<{ ae: string; why: string }>;
      for (const c of cases) expect(rows.some((r) => c.why.test(r.why)), c.aet).toBe(true);
    } finally {
      db.close();
    }
    // The log line says why (pino escapes the quotes in the message).
    await until('reject lines in the log', () => (cases.every((c) => c.why.test(logs.replace(/\\"/g, '"'))) ? true : undefined), 5000);
  });

  it('enforces the configured idleTimeoutSeconds (1 s) on an associated peer that goes silent', async () => {
    const c = await rawClient(port);
    c.socket.write(associateRq({ calling: 'STORESCU', called: 'UNIMIE' }));
    expect((await waitForBytes(c, 6))[0]).toBe(0x02);
    const ms = await c.closedWithin(6000); // 1 s idle + the 1 s check interval + the half-close grace
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(c.received().subarray(-10)[0]).toBe(0x07); // A-ABORT
  });

  it('after a full run (receive, render, export, API calls, a study search by patient name and ID) the debug log holds no patient name or ID, no API token, no Redis password', async () => {
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [CT]);
    expect(sent.rc, sent.output).toBe(0);
    const api = `http://127.0.0.1:${apiPort}`;
    expect((await fetch(`${api}/api/status`)).status).toBe(401);
    expect((await fetch(`${api}/api/status`, { headers: { authorization: `Bearer ${API_TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${api}/api/status`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${api}/api/config`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
    // A worklist search by the patient's name and ID (and one refused for its date): found, never logged.
    const byPatient = `patientName=${encodeURIComponent(PATIENT_NAME)}&patientId=${PATIENT_ID}`;
    const search = await fetch(`${api}/api/studies?${byPatient}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(search.status).toBe(200);
    expect(((await search.json()) as Array<{ patientName: string; patientId: string }>).map((s) => [s.patientName, s.patientId])).toEqual([[PATIENT_NAME, PATIENT_ID]]);
    expect((await fetch(`${api}/api/studies?${byPatient}&studyDate=1CT1`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(400);
    await until('derived instance at the PACS', () => (readdirCount(pacs.dir) > 0 ? true : undefined), 90_000);
    child!.kill('SIGTERM');
    await exited(child!);
    expect(logs.length).toBeGreaterThan(1000); // the log was really captured, at debug level
    expect(logs).toMatch(/"msg":"association accepted"/);
    for (const secret of [PATIENT_NAME, PATIENT_ID, 'CompressedSamples', API_TOKEN, REDIS_PASSWORD]) {
      expect(logs.includes(secret), `log contains ${secret}`).toBe(false);
    }
  }, 120_000);
});

function readdirCount(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}
