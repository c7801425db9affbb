import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/provenance/database.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import { storescu } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { REPO, removeDir, SAMPLES, writeTestConfig } from './node-harness.js';

/** Runs `unimie-node serve` as a separate process, as an admin would. */
function serve(configDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/**
 * A proxy in front of Orthanc's DICOMweb root that keeps every request body it forwards and, while
 * `hold` is on, forwards a STOW-RS request but never answers it: the server stored the instances,
 * the node never learns it.
 */
async function startProxy(target: string): Promise<{ url: string; posts: Buffer[]; hold: boolean; held: Promise<void>; close(): Promise<void> }> {
  let reached!: () => void;
  const state = { posts: [] as Buffer[], hold: true, held: new Promise<void>((r) => (reached = r)) };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') state.posts.push(body);
      const holdThis = req.method === 'POST' && state.hold;
      const headers = { ...req.headers, host: new URL(target).host };
      const out = http.request(`${target}${req.url!.replace(/^\/dicom-web/, '')}`, { method: req.method, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          if (holdThis) return reached();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(parts));
        });
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  });
}

describe('SIGKILL while a STOW-RS request is in flight', () => {
  let orthanc: OrthancHandle;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let configDir: string;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await proxy?.close();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
  });

  it('finds the instances at the server with QIDO-RS after the restart and sends none of them twice', async () => {
    orthanc = await startOrthanc({ aeTitle: 'PACS', dicomWeb: true });
    proxy = await startProxy(orthanc.dicomWebUrl!);
    const port = await freePort();
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: 'PACS', port: orthanc.dicomPort },
      extraDestinationsYaml: `  web:\n    kind: dicomweb\n    url: ${proxy.url}\n    auth: { kind: basic, user: ${orthanc.user}, password: ${orthanc.password} }\n    timeoutSeconds: 120\n    backoff: { initialSeconds: 0.2, maxSeconds: 1 }\n`,
      rulesYaml: `rules:
  - name: mr
    match: { modality: MR }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [file], enhance: none, output: sc-rgb, destinations: [web] }
  - name: default
    default: true
    actions: { drop: true }
`,
    });
    const files = readdirSync(join(SAMPLES, 'mr700')).map((f) => join(SAMPLES, 'mr700', f));

    child = serve(configDir);
    await waitForPort(port, '127.0.0.1', 60_000);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
    expect(sent.rc, sent.output).toBe(0);
    // Orthanc stored the first request's instances; the node is killed before it hears so.
    await proxy.held;
    child.kill('SIGKILL');
    await exited(child);
    const atServer = (await orthanc.get<string[]>('/instances')).length;
    expect(atServer).toBeGreaterThan(0);

    proxy.hold = false;
    child = serve(configDir);
    const dbPath = join(configDir, 'var', 'provenance.sqlite');
    const deadline = Date.now() + 90_000;
    for (;;) {
      const db = openDatabase(dbPath);
      const rows = listDeliveries(db, { destination: 'web' });
      db.close();
      if (rows.length === files.length && rows.every((r) => r.state === 'done')) break;
      if (Date.now() > deadline) throw new Error(`deliveries not done: ${JSON.stringify(rows.map((r) => [r.state, r.lastError]))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGTERM');
    await exited(child);
    child = undefined;

    const db = openDatabase(dbPath);
    const rows = listDeliveries(db, { destination: 'web' });
    db.close();
    expect((await orthanc.get<string[]>('/instances')).length).toBe(files.length);
    // Each derived instance went out in exactly one STOW-RS request, across both runs.
    for (const r of rows) expect(proxy.posts.filter((b) => b.includes(r.sopInstanceUid)).length, r.sopInstanceUid).toBe(1);
    // The ones in flight at the kill were recorded as found at the server, without another attempt.
    expect(rows.filter((r) => r.attempts === 0)).toHaveLength(atServer);
  }, 180_000);
});
