import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { storescu } from '../helpers/dcmtk.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { REPO, removeDir, SAMPLES, writeTestConfig } from './node-harness.js';

/** Runs `unimie-node serve` as a separate process, as an admin would. */
function serve(configDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each([
  { transport: 'dcmjs-dimse' as const, allowAnyCaller: false },
  { transport: 'dicom-dimse-native' as const, allowAnyCaller: true },
])('SIGKILL between receive and export ($transport)', ({ transport, allowAnyCaller }) => {
  let orthanc: OrthancHandle;
  let configDir: string;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
  });

  it('loses no acknowledged instance and delivers each derived instance exactly once', async () => {
    orthanc = await startOrthanc();
    const port = await freePort();
    configDir = writeTestConfig({ port, transport, allowAnyCaller, quietSeconds: 3, pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
    const mr700 = join(SAMPLES, 'mr700');
    const files = readdirSync(mr700).map((f) => join(mr700, f));
    const sourceSeries = String(readPart10(readFileSync(files[0]!)).dataset.SeriesInstanceUID);

    child = serve(configDir);
    await waitForPort(port, '127.0.0.1', 60_000);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
    expect(sent.rc, sent.output).toBe(0);
    // Killed inside the quiet period: stored and acknowledged, no job yet, nothing exported.
    child.kill('SIGKILL');
    await exited(child);
    expect(await orthanc.get<string[]>('/instances')).toHaveLength(0);

    child = serve(configDir);
    const dbPath = join(configDir, 'var', 'provenance.sqlite');
    const derivedUid = await until('derived series delivered', async () => {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT series_uid AS uid FROM derived_series WHERE source_series_uid = ?').get(sourceSeries) as { uid: string } | undefined;
        if (!row) return undefined;
        const done = db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE series_uid = ? AND state = 'done'").get(row.uid) as { n: number };
        return done.n === files.length ? row.uid : undefined;
      } finally {
        db.close();
      }
    });
    child.kill('SIGTERM');
    await exited(child);

    // A third start finds nothing to do and sends nothing again.
    child = serve(configDir);
    await waitForPort(port, '127.0.0.1', 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGTERM');
    await exited(child);

    const found = await orthanc.post<Array<{ Instances: string[] }>>('/tools/find', { Level: 'Series', Query: { SeriesInstanceUID: derivedUid }, Expand: true });
    expect(found[0]?.Instances).toHaveLength(files.length);
    expect((await orthanc.get<string[]>('/instances')).length).toBe(files.length);
    const db = new Database(dbPath, { readonly: true });
    try {
      const stored = db.prepare("SELECT COUNT(*) AS n FROM instances WHERE series_uid = ? AND status = 'stored'").get(sourceSeries) as { n: number };
      expect(stored.n).toBe(files.length);
      const attempts = db.prepare('SELECT attempts FROM deliveries WHERE series_uid = ?').all(derivedUid) as Array<{ attempts: number }>;
      expect(attempts).toHaveLength(files.length);
      expect(attempts.every((a) => a.attempts === 1)).toBe(true);
      const running = db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number };
      expect(running.n).toBe(0);
    } finally {
      db.close();
    }
  });
});
