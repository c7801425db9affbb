import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { storescu } from '../helpers/dcmtk.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { removeDir, writeTestConfig } from '../e2e/node-harness.js';
import { recordFigures } from './figures.js';
import { kill, serve, until } from './node-process.js';
import { seededRandom } from './seeded.js';
import { acknowledged, writeTinyStudies, type TinyStudy } from './studies.js';
import { tempFilesIn } from '../helpers/spool-temp-files.js';

const STUDIES = 4;
const SLICES = 40;
const KILLS = 3;

/** Files under the spool's studies/ folder (each one an object whose rename happened). */
function spooledFiles(spoolDir: string): string[] {
  const studies = join(spoolDir, 'studies');
  if (!existsSync(studies)) return [];
  return readdirSync(studies, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Ack-after-durable under SIGKILL: objects arrive on parallel associations (so commits are
 * grouped), the node is killed while its spool fills, restarted, and every C-STORE that was
 * answered Success must be in the spool with its row, the row's hash that of the file. After the
 * last restart (and its rescan) no spooled file is without a row.
 */
describe('ingest under SIGKILL: every acknowledged instance survives the kill', () => {
  const work = mkdtempSync(join(tmpdir(), 'ingest-kill-'));
  let configDir: string | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child) await kill(child);
    if (configDir) removeDir(configDir);
    rmSync(work, { recursive: true, force: true });
  });

  it(`kills the node ${KILLS} times mid-ingest (${STUDIES} parallel associations × ${SLICES} slices) and loses no acknowledged instance`, async () => {
    const rnd = seededRandom(Number(process.env.INGEST_KILL_SEED ?? 20261206));
    const studies = writeTinyStudies(join(work, 'studies'), STUDIES, SLICES, 64, 5000);
    const total = STUDIES * SLICES;
    const port = await freePort();
    // Receive only: no rule matches the phantom CT, so nothing but the receive path runs.
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: 'NOWHERE', port: 1 },
      rulesYaml: 'rules:\n  - name: default\n    default: true\n    actions: { drop: true }\n',
    });
    const dataDir = join(configDir, 'var');
    const spoolDir = join(dataDir, 'spool');

    const acked = new Set<string>();
    const complete = (s: TinyStudy) => [...s.sopOf.values()].every((sop) => acked.has(sop));
    const send = async (batch: TinyStudy[]): Promise<void> => {
      await Promise.all(
        batch.map(async (s) => {
          const files = s.files.filter((f) => !acked.has(s.sopOf.get(f)!));
          const r = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files, ['-v', '-to', '10', '-ta', '10', '-td', '10']);
          for (const sop of acknowledged(r.output, s.sopOf)) acked.add(sop);
        }),
      );
    };

    const killedAt: Array<{ spooled: number; acked: number }> = [];
    for (let round = 0; round < KILLS; round++) {
      child = serve(configDir);
      await waitForPort(port, '127.0.0.1', 60_000);
      const before = spooledFiles(spoolDir).length;
      const sending = send(studies.filter((s) => !complete(s)));
      // Killed once the spool has grown by a seeded share of what is left: mid-ingest, not before or after.
      const left = total - acked.size;
      const target = before + Math.max(3, Math.floor(left * (0.15 + 0.35 * rnd())));
      await until('the spool to fill', () => (spooledFiles(spoolDir).length >= target ? true : undefined), 60_000, 5);
      await kill(child);
      child = undefined;
      await sending;
      killedAt.push({ spooled: spooledFiles(spoolDir).length, acked: acked.size });
    }
    // Some, not all, had been acknowledged when the node died: the kills fell inside the transfer.
    expect(killedAt[0]!.acked).toBeGreaterThan(0);
    expect(killedAt[0]!.acked).toBeLessThan(total);

    // Last start (recovery and rescan run before it listens), the rest sent, then a clean stop.
    child = serve(configDir);
    await waitForPort(port, '127.0.0.1', 60_000);
    await send(studies.filter((s) => !complete(s)));
    expect(acked.size).toBe(total);
    await kill(child, 'SIGTERM');
    child = undefined;

    const db = new Database(join(dataDir, 'provenance.sqlite'), { readonly: true });
    try {
      const rows = db.prepare("SELECT sop_instance_uid AS sop, path, sha256 FROM instances WHERE status = 'stored'").all() as Array<{ sop: string; path: string; sha256: string }>;
      const bySop = new Map<string, Array<{ path: string; sha256: string }>>();
      for (const r of rows) bySop.set(r.sop, [...(bySop.get(r.sop) ?? []), r]);
      const lost = [...acked].filter((sop) => !bySop.has(sop));
      expect(lost, 'acknowledged instances without a current row').toEqual([]);
      expect([...bySop.values()].filter((rs) => rs.length > 1), 'SOP Instance UIDs with two current rows').toEqual([]);
      for (const [sop, [row]] of bySop) {
        expect(existsSync(row!.path), sop).toBe(true);
        expect(createHash('sha256').update(readFileSync(row!.path)).digest('hex'), sop).toBe(row!.sha256);
      }
      const known = new Set((db.prepare('SELECT path FROM instances').all() as Array<{ path: string }>).map((r) => r.path));
      expect(spooledFiles(spoolDir).filter((f) => !known.has(f)), 'spooled files without a row').toEqual([]);
      expect(tempFilesIn(spoolDir), 'temp files left').toEqual([]);
      recordFigures('ingestKill', { studies: STUDIES, slices: SLICES, kills: KILLS, killedAt, acknowledged: acked.size, lost: lost.length });
    } finally {
      db.close();
    }
  }, 240_000);
});
