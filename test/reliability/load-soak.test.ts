import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { removeDir, writeTestConfig } from '../e2e/node-harness.js';
import { LONG, recordFigures } from './figures.js';
import { datasetOffset } from './mutants.js';
import { kill, processUsage, serve } from './node-process.js';
import { associateRq, cStoreCommand, lastDimseStatus, pdvs, rawClient, releaseRq, waitForBytes, type RawClient } from './raw-pdu.js';
import { writeTinyStudies } from './studies.js';

const CONCURRENT = 64;
const SOAK_MS = LONG ? Number(process.env.SOAK_SECONDS ?? 300) * 1000 : 30_000;
const CT_CLASS = '1.2.840.10008.5.1.4.1.1.2';

/**
 * Load on the node as a separate process (its RSS and open files read from /proc): 64 associations
 * held at once, each storing a series; 64 DCMTK storescu processes at once; then a sustained
 * ingest soak whose RSS and file-descriptor count must stay flat.
 */
describe('load: 64 concurrent associations and an ingest soak', () => {
  const work = mkdtempSync(join(tmpdir(), 'load-'));
  let configDir: string;
  let child: ChildProcess;
  let port: number;
  let dbPath: string;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', allowAnyCaller: true, pacs: { aeTitle: 'NOWHERE', port: 9 } });
    // More associations than the default, and every series stored but not processed: this is about ingest.
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(nodeYaml, readFileSync(nodeYaml, 'utf8').replace('    transport: dcmjs-dimse\n', `    transport: dcmjs-dimse\n    maxAssociations: ${CONCURRENT}\n`));
    writeFileSync(join(configDir, 'rules.yaml'), 'rules:\n  - name: default\n    default: true\n    actions: { drop: true }\n');
    dbPath = join(configDir, 'var', 'provenance.sqlite');
    child = serve(configDir);
    await waitForPort(port, '127.0.0.1', 60_000);
  });

  afterAll(async () => {
    recordFigures('load', figures);
    if (child) await kill(child, 'SIGTERM');
    if (configDir) removeDir(configDir);
    rmSync(work, { recursive: true, force: true });
  });

  const storedCount = (): number => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM instances WHERE status = 'stored'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it(`holds ${CONCURRENT} associations at once, refuses the next one transiently, and stores every instance they send`, async () => {
    const studies = writeTinyStudies(join(work, 'held'), CONCURRENT, 3, 32, 5000);
    const before = storedCount();
    const clients: RawClient[] = [];
    for (let i = 0; i < CONCURRENT; i++) {
      const c = await rawClient(port);
      c.socket.write(associateRq({ calling: `MOD${i}`, called: 'UNIMIE', abstracts: [CT_CLASS], transferSyntax: TransferSyntax.ExplicitVRLittleEndian, maxPdu: 65536 }));
      clients.push(c);
    }
    for (const c of clients) expect((await waitForBytes(c, 6, 10_000))[0]).toBe(0x02);
    figures.concurrentAssociationsHeld = clients.length;
    const usage = processUsage(child.pid!);
    expect(usage.fds).toBeGreaterThanOrEqual(CONCURRENT);

    const extra = await echoscu({ port, callingAeTitle: 'EXTRA', calledAeTitle: 'UNIMIE' });
    expect(extra.output).toMatch(/Rejected Transient/i);

    // All 64 send their series at the same time, one C-STORE after another on each association.
    const t = Date.now();
    await Promise.all(
      clients.map(async (c, i) => {
        let id = 0;
        for (const file of studies[i]!.files) {
          const bytes = readFileSync(file);
          const sop = studies[i]!.sopOf.get(file)!;
          const seen = c.received().length;
          for (const p of [...pdvs(1, cStoreCommand(++id, CT_CLASS, sop), true, 65536), ...pdvs(1, bytes.subarray(datasetOffset(bytes)), false, 65536)]) c.socket.write(p);
          const deadline = Date.now() + 60_000;
          let status: number | undefined;
          while (status === undefined && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 5));
            status = lastDimseStatus(c.received().subarray(seen));
          }
          expect(status, `association ${i}`).toBe(0);
        }
        const n = c.received().length;
        c.socket.write(releaseRq());
        expect((await waitForBytes(c, n + 10, 10_000))[n]).toBe(0x06); // A-RELEASE-RP
        c.socket.destroy();
      }),
    );
    figures.heldAssociationsStoreSeconds = (Date.now() - t) / 1000;
    expect(storedCount() - before).toBe(CONCURRENT * 3);
  }, 120_000);

  it(`${CONCURRENT} DCMTK storescu processes at once all complete with every instance stored`, async () => {
    const studies = writeTinyStudies(join(work, 'storescu'), CONCURRENT, 3, 32, 6000);
    const before = storedCount();
    const t = Date.now();
    const results = await Promise.all(studies.map((s, i) => storescu({ port, callingAeTitle: `SCU${i}`, calledAeTitle: 'UNIMIE' }, s.files, ['-to', '30', '-ta', '30', '-td', '30'])));
    for (const r of results) expect(r.rc, r.output).toBe(0);
    expect(storedCount() - before).toBe(CONCURRENT * 3);
    figures.storescuProcessesAtOnce = CONCURRENT;
    figures.storescuBurstSeconds = (Date.now() - t) / 1000;
  }, 120_000);

  it(`soak: ${SOAK_MS / 1000} s of sustained ingest keeps RSS and open files flat`, async () => {
    const studies = writeTinyStudies(join(work, 'soak'), LONG ? 200 : 40, 20, 32, 7000);
    const samples: Array<{ t: number; rss: number; fds: number }> = [];
    const t0 = Date.now();
    let sent = 0;
    let stop = false;
    const sample = setInterval(() => {
      const u = processUsage(child.pid!);
      samples.push({ t: Date.now() - t0, rss: u.rssBytes, fds: u.fds });
    }, 1000);
    const before = storedCount();
    // Four senders, one association per study, round the set again (identical re-sends) when done.
    const sender = async (k: number): Promise<void> => {
      for (let i = k; !stop; i += 4) {
        const s = studies[i % studies.length]!;
        const r = await storescu({ port, callingAeTitle: `SOAK${k}`, calledAeTitle: 'UNIMIE' }, s.files, ['-to', '30', '-ta', '30', '-td', '30']);
        expect(r.rc, r.output).toBe(0);
        sent += s.files.length;
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    await new Promise((r) => setTimeout(r, SOAK_MS));
    stop = true;
    await Promise.all(senders);
    clearInterval(sample);
    // Identical re-sends are acknowledged without a new row; everything else was stored.
    expect(storedCount() - before).toBe(Math.min(sent, studies.length * 20));

    // Flat: after a warm-up third, the last third's RSS stays within 64 MiB (and 1.5×) of the middle
    // third's, and no file descriptor leaks (associations closed, spool files closed).
    const third = Math.floor(samples.length / 3);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const mid = samples.slice(third, 2 * third);
    const last = samples.slice(2 * third);
    const rssMid = median(mid.map((s) => s.rss));
    const rssLast = median(last.map((s) => s.rss));
    expect(rssLast - rssMid).toBeLessThan(64 * 2 ** 20);
    expect(rssLast / rssMid).toBeLessThan(1.5);
    const fdsAfter = processUsage(child.pid!).fds;
    expect(fdsAfter).toBeLessThanOrEqual(median(mid.map((s) => s.fds)) + 8);
    Object.assign(figures, {
      soakSeconds: SOAK_MS / 1000,
      soakInstancesSent: sent,
      soakInstancesPerSecond: Math.round(sent / (SOAK_MS / 1000)),
      rssMiddleMb: Math.round(rssMid / 2 ** 20),
      rssLastMb: Math.round(rssLast / 2 ** 20),
      peakRssMb: Math.round(Math.max(...samples.map((s) => s.rss)) / 2 ** 20),
      fdsMiddle: median(mid.map((s) => s.fds)),
      fdsAfter,
    });
  }, SOAK_MS + 120_000);
});
