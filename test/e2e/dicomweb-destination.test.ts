import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import { storescu } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';

/**
 * A node delivers the derived series of a CT study to Orthanc over STOW-RS (DICOMweb plugin,
 * basic auth, password read from a file): Orthanc holds every derived instance. The same series
 * to the same server with a wrong password ends dead at the first attempt (HTTP 401, permanent),
 * and to a server that is down it is retried until maxAttempts (transient).
 */

const CT_FILES = readdirSync(join(SAMPLES, 'ct5n')).map((f) => join(SAMPLES, 'ct5n', f));

const RULES = `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [web, web-bad-password, web-down] }
  - name: default
    default: true
    actions: { drop: true }
`;

/** `unimie-node -c <dir> <args>`, asynchronously (the node under test runs in this process). */
function cli(configDir: string, ...args: string[]): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('dicomweb destination: a node → Orthanc over STOW-RS', () => {
  let orthanc: OrthancHandle;
  let node: RunningNode;
  let configDir: string;

  beforeAll(async () => {
    orthanc = await startOrthanc({ aeTitle: 'PACS', dicomWeb: true });
    const port = await freePort();
    const downPort = await freePort();
    const dw = (name: string, url: string, passwordYaml: string, maxAttempts: number) =>
      `  ${name}:\n    kind: dicomweb\n    url: ${url}\n    auth: { kind: basic, user: ${orthanc.user}, password: ${passwordYaml} }\n    maxInstancesPerRequest: 2\n    timeoutSeconds: 10\n    maxAttempts: ${maxAttempts}\n    backoff: { initialSeconds: 0.2, maxSeconds: 0.4 }\n`;
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: 'PACS', port: orthanc.dicomPort },
      extraDestinationsYaml:
        dw('web', orthanc.dicomWebUrl!, '{ file: pacs-password }', 5) +
        dw('web-bad-password', orthanc.dicomWebUrl!, 'not-the-password', 5) +
        dw('web-down', `http://127.0.0.1:${downPort}/dicom-web`, '{ file: pacs-password }', 3),
      rulesYaml: RULES,
    });
    writeFileSync(join(configDir, 'pacs-password'), `${orthanc.password}\n`);
    node = await startTestNode(configDir);
    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, CT_FILES)).rc).toBe(0);
    await waitForIdle(node, 120_000);
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
  });

  it('delivers every derived instance; Orthanc holds them (its REST API), in one derived series', async () => {
    const rows = listDeliveries(node.db, { destination: 'web' });
    expect(rows).toHaveLength(CT_FILES.length);
    expect(rows.map((r) => r.state)).toEqual(rows.map(() => 'done'));
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const series = new Set<string>();
    for (const r of rows) {
      const found = await orthanc.post<Array<{ ID: string; Type: string }>>('/tools/lookup', r.sopInstanceUid);
      const id = found.find((f) => f.Type === 'Instance')?.ID;
      expect(id, r.sopInstanceUid).toBeDefined();
      const tags = await orthanc.get<{ SeriesInstanceUID: string; SOPInstanceUID: string }>(`/instances/${id}/simplified-tags`);
      expect(tags.SOPInstanceUID).toBe(r.sopInstanceUid);
      series.add(tags.SeriesInstanceUID);
    }
    expect([...series]).toEqual([rows[0]!.seriesUid]);
  });

  it('a wrong password: dead at the first attempt, the reason recorded', () => {
    const rows = listDeliveries(node.db, { destination: 'web-bad-password' });
    expect(rows).toHaveLength(CT_FILES.length);
    for (const r of rows) {
      expect(r).toMatchObject({ state: 'dead', attempts: 1 });
      expect(r.lastError).toMatch(/HTTP 401/);
    }
  });

  it('a server that is down: retried until maxAttempts, then dead, with the network error', () => {
    const rows = listDeliveries(node.db, { destination: 'web-down' });
    expect(rows).toHaveLength(CT_FILES.length);
    for (const r of rows) {
      expect(r).toMatchObject({ state: 'dead', attempts: 3 });
      expect(r.lastError).toMatch(/ECONNREFUSED/);
    }
  });

  it('records no credential in a delivery error', () => {
    const errors = listDeliveries(node.db).map((r) => r.lastError ?? '').join('\n');
    expect(errors).not.toContain(Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64'));
    expect(errors).not.toContain('Basic ');
    expect(errors).not.toContain('not-the-password');
  });

  it('echo probes the server with QIDO-RS and reports the HTTP status', async () => {
    const ok = await cli(configDir, 'echo', 'web');
    expect(ok.rc, ok.out).toBe(0);
    expect(ok.out).toMatch(/web: ok \(HTTP 200\)/);
    const bad = await cli(configDir, 'echo', 'web-bad-password');
    expect(bad.rc).toBe(1);
    expect(bad.out).toMatch(/web-bad-password: failed: QIDO-RS: HTTP 401/);
    expect(bad.out).not.toContain('not-the-password');
  }, 60_000);
});
