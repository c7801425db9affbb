import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { storescu } from '../helpers/dcmtk.js';
import { startDcmqrscp, type Dcmqrscp, type StoreRequest } from '../helpers/dcmqrscp.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { removeDir, writeTestConfig } from '../e2e/node-harness.js';
import { LONG, recordFigures } from './figures.js';
import { kill, processUsage, serve, until } from './node-process.js';
import { seededRandom } from './seeded.js';
import { acknowledged, writeTinyStudies, type TinyStudy } from './studies.js';

const STUDIES = LONG ? Number(process.env.TORTURE_STUDIES ?? 120) : 14;
/** New studies sent per round; the not-yet-acknowledged ones of earlier rounds are re-sent too. */
const PER_ROUND = 2;
const SLICES = 3;
/** Kill delay after sending starts: 0 … this (receive, quiet period, render, export all fall inside). */
const MAX_KILL_MS = 5000;

/** Everything known about a derived object the PACS does not hold: the node's row, the PACS's and the node's log lines. */
function explainMissing(sop: string, db: Database.Database, requests: StoreRequest[], pacsLog: string, nodeLog: string): string {
  const delivery = db.prepare('SELECT state, attempts, in_doubt, last_status, last_error, delivered_at FROM deliveries WHERE sop_instance_uid = ?').all(sop);
  const mine = requests.filter((r) => r.sopInstanceUid === sop);
  const pids = new Set(mine.map((r) => `@@${r.pid} `));
  const pacsLines = pacsLog.split('\n').filter((l) => [...pids].some((p) => l.startsWith(p)) && !/^@@\d+ INFO: (\(|#|Message|Affected|Data Set|Priority|=)/.test(l));
  const nodeLines = nodeLog.split('\n').filter((l) => l.includes(sop));
  return [
    `${sop}: deliveries ${JSON.stringify(delivery)}; C-STOREs at the PACS ${JSON.stringify(mine)}`,
    ...pacsLines.slice(0, 40).map((l) => `  pacs| ${l}`),
    ...nodeLines.slice(0, 20).map((l) => `  node| ${l}`),
  ].join('\n');
}

/** The node's warnings and errors (pino JSON lines), counted by message and error: what went wrong on the way. */
function warningsOf(nodeLog: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of nodeLog.split('\n')) {
    let entry: { level?: number; msg?: string; err?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 40) continue;
    const key = `${entry.msg ?? ''}${entry.err ? `: ${String(typeof entry.err === 'object' ? JSON.stringify(entry.err) : entry.err)}` : ''}`.replace(/\d+(\.\d+){3,}/g, '<uid>').slice(0, 200);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Crash torture: the node runs as its own process and is killed with SIGKILL at seeded random
 * moments while tiny CT studies arrive (receive, spool → commit, quiet period, render, export),
 * then restarted; senders re-send what was not acknowledged, as a modality does. The destination
 * is DCMTK's dcmqrscp in its forking mode, a PACS that answers C-FIND: an object whose C-STORE
 * response was in flight at a kill is in doubt after the restart and looked up there first. Its
 * log, one line per message and child process, tells what became of every C-STORE it received,
 * so a second delivery of any SOP Instance UID would show.
 */
describe('crash torture: SIGKILL at random points, restart, nothing lost, nothing derived or sent twice', () => {
  const work = mkdtempSync(join(tmpdir(), 'torture-'));
  let pacs: Dcmqrscp;
  let configDir: string;
  let child: ChildProcess | undefined;
  /** Set while the run is in progress: on a failure the logs are kept for a look afterwards. */
  let failureLogs: { seed: number; nodeLog: string } | undefined;

  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail' || !failureLogs) return;
    const keep = mkdtempSync(join(tmpdir(), `crash-torture-${failureLogs.seed}-`));
    if (existsSync(failureLogs.nodeLog)) cpSync(failureLogs.nodeLog, join(keep, 'node.log'));
    if (pacs) writeFileSync(join(keep, 'dcmqrscp.log'), pacs.output());
    const varDir = configDir ? join(configDir, 'var') : undefined;
    for (const f of varDir && existsSync(varDir) ? readdirSync(varDir).filter((n) => n.startsWith('provenance.sqlite')) : []) cpSync(join(varDir!, f), join(keep, f));
    console.error(`crash torture failed (seed ${failureLogs.seed}): node log, dcmqrscp log and SQLite kept in ${keep}`);
  });

  afterAll(async () => {
    if (child) await kill(child);
    await pacs?.stop();
    if (configDir) removeDir(configDir);
    rmSync(work, { recursive: true, force: true });
  });

  it(`kills the node during ${STUDIES} studies and recovers every acknowledged instance; one current derived series each, complete at the PACS, no object stored there twice`, async () => {
    const seed = Number(process.env.TORTURE_SEED ?? (LONG ? Date.now() % 1e9 : 20261126));
    const rnd = seededRandom(seed);
    const startedAt = Date.now();
    failureLogs = { seed, nodeLog: join(work, 'node.log') };
    const studies = writeTinyStudies(join(work, 'studies'), STUDIES, SLICES, 32);
    const sopToStudy = new Map<string, TinyStudy>();
    for (const s of studies) for (const sop of s.sopOf.values()) sopToStudy.set(sop, s);
    // dcmqrscp enforces its quota by deleting the oldest study: stay within it (500 at most).
    const maxStudies = 500;
    if (STUDIES > maxStudies) throw new Error(`TORTURE_STUDIES=${STUDIES}: dcmqrscp keeps at most ${maxStudies} studies`);
    pacs = await startDcmqrscp({ dir: join(work, 'pacs'), peers: [{ aeTitle: 'UNIMIE' }], maxStudies });
    const port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', quietSeconds: 2, pacs: { aeTitle: pacs.aeTitle, port: pacs.port } });
    const dbPath = join(configDir, 'var', 'provenance.sqlite');
    // The node's own log (info: in-doubt decisions) is kept for the report on a failure.
    const nodeLog = join(work, 'node.log');
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(nodeYaml, readFileSync(nodeYaml, 'utf8').replace('logLevel: warn', 'logLevel: info'));

    const acked = new Set<string>();
    const complete = (s: TinyStudy) => [...s.sopOf.values()].every((sop) => acked.has(sop));
    const send = async (batch: TinyStudy[]): Promise<void> => {
      // One association per study, in parallel, as several modalities would.
      await Promise.all(
        batch.map(async (s) => {
          const r = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, s.files, ['-v', '-to', '10', '-ta', '10', '-td', '10']);
          for (const sop of acknowledged(r.output, s.sopOf)) acked.add(sop);
        }),
      );
    };

    let next = 0;
    let kills = 0;
    let peakRss = 0;
    const killDelays: number[] = [];
    while (next < studies.length) {
      child = serve(configDir, {}, nodeLog);
      await waitForPort(port, '127.0.0.1', 60_000);
      const batch = [...studies.slice(0, next).filter((s) => !complete(s)), ...studies.slice(next, next + PER_ROUND)];
      next += PER_ROUND;
      const delay = Math.floor(rnd() * MAX_KILL_MS);
      killDelays.push(delay);
      const sending = send(batch);
      await new Promise((r) => setTimeout(r, delay));
      try {
        peakRss = Math.max(peakRss, processUsage(child.pid!).rssBytes);
      } catch {
        // already gone
      }
      await kill(child);
      child = undefined;
      kills++;
      await sending;
    }

    // Last start: re-send what is still unacknowledged, then let it finish everything.
    child = serve(configDir, {}, nodeLog);
    await waitForPort(port, '127.0.0.1', 60_000);
    await send(studies.filter((s) => !complete(s)));
    expect(acked.size).toBe(STUDIES * SLICES);
    await until(
      'every series derived and delivered',
      () => {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        try {
          const open = db.prepare("SELECT (SELECT COUNT(*) FROM jobs WHERE state IN ('pending','running','failed')) + (SELECT COUNT(*) FROM deliveries WHERE state IN ('pending','sending')) AS n").get() as { n: number };
          const done = db.prepare("SELECT COUNT(DISTINCT d.source_series_uid) AS n FROM derived_series d JOIN jobs j ON j.id = d.job_id WHERE j.state = 'done'").get() as { n: number };
          return open.n === 0 && done.n === STUDIES ? true : undefined;
        } finally {
          db.close();
        }
      },
      LONG ? 600_000 : 120_000,
    );
    peakRss = Math.max(peakRss, processUsage(child.pid!).rssBytes);
    await kill(child, 'SIGTERM');
    child = undefined;

    const db = new Database(dbPath, { readonly: true });
    try {
      // 1. Every acknowledged instance is in the spool, committed.
      const rows = db.prepare("SELECT sop_instance_uid AS sop, path FROM instances WHERE status = 'stored'").all() as Array<{ sop: string; path: string }>;
      const stored = new Map(rows.map((r) => [r.sop, r.path]));
      const lost = [...acked].filter((sop) => !stored.has(sop) || !existsSync(stored.get(sop)!));
      expect(lost).toEqual([]);

      // 2. What reached the destination. The files in the storage area are what the PACS holds
      //    (dcmqrscp replaces a second copy of a SOP Instance UID, so files cannot show a re-send);
      //    its log says what became of every C-STORE request: kept; rolled back (stored, but the
      //    response could not be sent because the node was dead: dcmqrscp deletes the file again,
      //    so the node must send it again); incomplete (the node died mid-transfer).
      const files = readdirSync(pacs.dir).filter((f) => f.endsWith('.dcm'));
      const received = files.map((f) => readPart10(readFileSync(join(pacs.dir, f)), { untilPixelData: true }).dataset);
      const unique = new Map(received.map((ds) => [String(ds.SOPInstanceUID), ds]));
      expect(unique.size, 'one file per SOP Instance UID').toBe(files.length);
      const requests = pacs.storeRequests();
      const kept = new Map<string, StoreRequest[]>();
      for (const r of requests) if (r.outcome === 'kept') kept.set(r.sopInstanceUid, [...(kept.get(r.sopInstanceUid) ?? []), r]);
      // Exactly once: no SOP Instance UID stored twice. An object whose response was in flight at
      // a kill and that the PACS kept is found with C-FIND after the restart, not sent again.
      const duplicates = [...kept].filter(([, rs]) => rs.length > 1).map(([sop]) => sop);
      expect(duplicates, 'SOP Instance UIDs stored more than once').toEqual([]);
      expect(requests.filter((r) => r.outcome === 'refused'), 'refused C-STOREs').toEqual([]);
      // What the PACS kept is what it holds, file for file.
      expect([...kept.keys()].sort()).toEqual([...unique.keys()].sort());
      const verified = (db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'done' AND attempts = 0").get() as { n: number }).n;

      // 3. Each source series has exactly one current (not superseded) derived series, complete at
      //    the destination. Superseded outputs exist only where a series completed partially
      //    before its re-send arrived (a late arrival, by design).
      const derived = db.prepare('SELECT d.series_uid AS uid, d.source_series_uid AS source, j.state AS state FROM derived_series d JOIN jobs j ON j.id = d.job_id').all() as Array<{ uid: string; source: string; state: string }>;
      const atDestination = new Map<string, number>();
      for (const ds of unique.values()) atDestination.set(String(ds.SeriesInstanceUID), (atDestination.get(String(ds.SeriesInstanceUID)) ?? 0) + 1);
      let superseded = 0;
      const missingReports: string[] = [];
      for (const s of studies) {
        const current = derived.filter((d) => d.source === s.seriesUid && d.state === 'done');
        expect(current, `study ${s.index}`).toHaveLength(1);
        const derivations = db.prepare('SELECT source_sop_instance_uid AS source, derived_sop_instance_uid AS sop FROM derivations WHERE derived_series_uid = ?').all(current[0]!.uid) as Array<{ source: string; sop: string }>;
        // Every acknowledged slice was processed (a slice committed after its series' job had
        // listed the series, then a kill, once left a series one slice short).
        expect(derivations.map((d) => d.source).sort(), `study ${s.index}: source slices in the current derived series`).toEqual([...s.sopOf.values()].sort());
        const expected = derivations.map((d) => d.sop);
        const missing = expected.filter((sop) => !unique.has(sop));
        if (missing.length > 0) missingReports.push(...missing.map((sop) => explainMissing(sop, db, requests, pacs.output(), readFileSync(nodeLog, 'utf8'))));
        expect(missing, `study ${s.index}: derived objects missing at the PACS\n${missingReports.join('\n')}`).toEqual([]);
        expect(atDestination.get(current[0]!.uid), `study ${s.index}`).toBe(SLICES);
        const others = derived.filter((d) => d.source === s.seriesUid && d.state !== 'done');
        for (const o of others) expect(o.state, `study ${s.index}`).toBe('superseded');
        superseded += others.filter((o) => atDestination.has(o.uid)).length;
      }
      // The PACS's index agrees with its files: C-FIND (as the node asks it) finds every derived object.
      const keys = [...unique.values()].map((ds) => ({ studyInstanceUid: String(ds.StudyInstanceUID), seriesInstanceUid: String(ds.SeriesInstanceUID), sopInstanceUid: String(ds.SOPInstanceUID) }));
      const held = await createDcmjsScu({ log: silentLogger }).holds!({ aeTitle: pacs.aeTitle, host: '127.0.0.1', port: pacs.port, callingAeTitle: 'UNIMIE' }, keys);
      expect(held.size, 'objects C-FIND finds at the PACS').toBe(unique.size);
      // Nothing at the destination that SQLite does not know as our output.
      for (const uid of atDestination.keys()) expect(derived.some((d) => d.uid === uid), uid).toBe(true);

      // 4. No job stuck in running, no delivery left sending.
      expect((db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n).toBe(0);
      expect((db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE state IN ('sending','pending','dead','discarded')").get() as { n: number }).n).toBe(0);

      recordFigures('crashTorture', {
        studies: STUDIES,
        seed,
        instancesAcknowledged: acked.size,
        kills,
        killDelaysMs: { min: Math.min(...killDelays), max: Math.max(...killDelays) },
        instancesLost: lost.length,
        destination: 'DCMTK dcmqrscp (forking; answers C-FIND)',
        duplicateDeliveries: duplicates.length,
        storeRequestsReceived: requests.length,
        storeRequestsRolledBack: requests.filter((r) => r.outcome === 'rolled back').length,
        storeRequestsIncomplete: requests.filter((r) => r.outcome === 'incomplete').length,
        inDoubtFoundAtDestination: verified,
        note: 'duplicates = SOP Instance UIDs the PACS stored (and answered) more than once; rolled back = stored, but the response could not reach the killed node, so dcmqrscp deleted it and the node sent it again; incomplete = the node died mid-transfer',
        derivedInstancesDelivered: unique.size,
        supersededPartialOutputs: superseded,
        peakRssMb: Math.round(peakRss / 2 ** 20),
        runSeconds: Math.round((Date.now() - startedAt) / 1000),
        nodeWarnings: warningsOf(readFileSync(nodeLog, 'utf8')),
      });
    } finally {
      db.close();
    }
  }, LONG ? 3_600_000 : 240_000);
});
