/**
 * `npm run bench:ingest [-- --quick]`: C-STORE throughput of the node's receive path against DCMTK
 * storescp and Orthanc on the same phantom instances over loopback, over one association and over
 * several at once (ratios measured in the same run), and the node's peak memory while it receives
 * a large study. Writes bench/results/<date>-ingest-<host>[-quick].{md,json} and prints the tables.
 *
 * Full: 500 instances (512², 16-bit) × 3 runs per receiver, 2000-instance (≈ 1 GB) memory study.
 * --quick: 100 instances, 400-instance (≈ 200 MB) memory study.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadDimseNative } from '../src/net/dimse-native-module.js';
import { errorMessage } from '../src/shared/errors.js';
import { runDcmtkReceive, runNodeReceive, runOrthancReceive, type IngestRun, type NodeRun } from './lib/ingest-runs.js';
import { renderMarkdown, type Environment, type IngestReport, type ThroughputCase } from './lib/ingest-report.js';
import { ensurePhantomSet, type PhantomSet } from './lib/phantom-set.js';
import { measureReceiveBreakdown } from './lib/receive-breakdown.js';
import { profileReceive } from './lib/cpu-profile.js';
import { countSyscalls, straceAvailable } from './lib/syscall-census.js';

const REPO = resolve(import.meta.dirname, '..');
const SIZE = 512;
const MEMORY_GOAL = 300 * 2 ** 20;
const STORE_TIMEOUT_MS = 300_000;

interface Options {
  quick: boolean;
  reps?: number;
  memory: boolean;
  native: boolean;
  breakdown: boolean;
  census: boolean;
  profile: boolean;
  orthanc: boolean;
  associations: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim())?.trim() ?? 'unknown';
}

function progressBar(label: string): (done: number, total: number) => void {
  return (done, total) => {
    if (done % 50 === 0 || done === total) process.stderr.write(`\r  ${label}: ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

const say = (msg: string): void => void process.stderr.write(`${msg}\n`);
const secs = (run: IngestRun): string => `${run.seconds.toFixed(2)} s`;

async function nativeUnavailableReason(): Promise<string | undefined> {
  try {
    await loadDimseNative();
    return undefined;
  } catch (err) {
    return `the optional dependency dicom-dimse-native does not load: ${errorMessage(err).slice(0, 200)}`;
  }
}

async function main(): Promise<void> {
  const o = new Command()
    .name('bench:ingest')
    .option('--quick', 'smoke run: 100 instances, 200 MB memory study', false)
    .option('--reps <n>', 'runs per receiver (default 3)', positiveInt)
    .option('--no-memory', 'skip the large-study memory run')
    .option('--no-native', 'skip the dicom-dimse-native transport')
    .option('--no-breakdown', 'skip the in-process stage breakdown')
    .option('--no-census', 'skip the strace system-call census')
    .option('--no-profile', 'skip the CPU profile of the node child')
    .option('--no-orthanc', 'skip Orthanc')
    .option('--associations <n>', 'parallel associations of the multi-association cases (1: none)', positiveInt, 4)
    .parse()
    .opts<Options>();
  const t0 = performance.now();
  const quick = o.quick;
  const instances = quick ? 100 : 500;
  const memorySlices = quick ? 400 : 2000;
  const reps = o.reps ?? 3;
  const env: Environment = {
    date: new Date().toISOString().slice(0, 10),
    host: hostname(),
    device: '2-core VM, no GPU',
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    node: process.version,
    dcmtk: firstLine('storescp', ['--version']).replace(/^\$dcmtk:\s*/, '').replace(/\s*\$$/, ''),
    commit: firstLine('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    loadAverageStart: loadavg(),
    loadAverageEnd: [],
    mode: quick ? 'quick' : 'full',
  };
  say(`ingest benchmark (${env.mode}): ${instances} instances × ${reps} runs; load average ${env.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}`);

  const set = await ensurePhantomSet(join(REPO, 'var', 'bench', `phantom-ct-s1-${instances}x${SIZE}`), { slices: instances, size: SIZE, seed: 1 }, progressBar('generating phantom'));
  say(`  phantom set ${set.dir}: ${set.cached ? 'cached' : `generated in ${set.generatedSeconds.toFixed(1)} s`}, ${(set.bytes / 1e6).toFixed(1)} MB`);

  const work = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const nativeReason = o.native ? await nativeUnavailableReason() : 'skipped (--no-native)';
  const dcmtkVersion = env.dcmtk.split(' ')[1] ?? '';
  const k = o.associations;
  const dcmtk: ThroughputCase = { name: `DCMTK storescp ${dcmtkVersion}, TCP_NODELAY=1`, runs: [], reference: 'storescp' };
  const dcmtkDefault: ThroughputCase = { name: `DCMTK storescp ${dcmtkVersion}, Debian defaults (Nagle on)`, runs: [] };
  const ours: ThroughputCase = { name: '**node, dcmjs-dimse** (startNode)', runs: [] };
  const orthanc: ThroughputCase = { name: `Orthanc ${firstLine('Orthanc', ['--version']).replace(/^Orthanc\s*/i, '')}`, runs: [], reference: 'orthanc', unavailable: o.orthanc ? undefined : 'skipped (--no-orthanc)' };
  const dcmtkMany: ThroughputCase = { ...dcmtk, runs: [], associations: k };
  const oursMany: ThroughputCase = { ...ours, runs: [], associations: k };
  const orthancMany: ThroughputCase = { ...orthanc, runs: [], associations: k };
  const native: ThroughputCase = { name: 'node, dicom-dimse-native', runs: [], unavailable: nativeReason };
  const oursRuns: NodeRun[] = [];
  const report: IngestReport = {
    env,
    instances,
    instanceBytes: Math.round(set.bytes / instances),
    setBytes: set.bytes,
    rows: SIZE,
    reps,
    throughput: [dcmtk, dcmtkDefault, orthanc, ours, ...(k > 1 ? [dcmtkMany, orthancMany, oursMany] : []), native],
    memoryGoalBytes: MEMORY_GOAL,
    totalSeconds: 0,
  };
  const expect = (run: IngestRun, who: string, log = ''): void => {
    if (run.received !== instances) throw new Error(`${who} holds ${run.received} of ${instances} instances\n${log}`);
  };
  let memorySet: PhantomSet | undefined;
  try {
    for (let rep = 1; rep <= reps; rep++) {
      // Interleaved, so that changes in the machine's load hit every receiver alike.
      const d = await runDcmtkReceive(set, work, STORE_TIMEOUT_MS, true);
      expect(d, 'storescp');
      dcmtk.runs.push(d);
      const n = await runNodeReceive(set, work, 'dcmjs-dimse', STORE_TIMEOUT_MS);
      expect(n, 'the node', n.log);
      oursRuns.push(n);
      ours.runs.push(n);
      let line = `  run ${rep}/${reps}: storescp ${secs(d)}, node dcmjs-dimse ${secs(n)}`;
      if (o.orthanc) {
        const t = await runOrthancReceive(set, STORE_TIMEOUT_MS);
        expect(t, 'Orthanc');
        orthanc.runs.push(t);
        line += `, Orthanc ${secs(t)}`;
      }
      if (k > 1) {
        const dm = await runDcmtkReceive(set, work, STORE_TIMEOUT_MS, true, k);
        expect(dm, `storescp (${k} associations)`);
        dcmtkMany.runs.push(dm);
        const nm = await runNodeReceive(set, work, 'dcmjs-dimse', STORE_TIMEOUT_MS, {}, k);
        expect(nm, `the node (${k} associations)`, nm.log);
        oursMany.runs.push(nm);
        oursRuns.push(nm);
        line += `; ${k} associations: storescp ${secs(dm)}, node ${secs(nm)}`;
        if (o.orthanc) {
          const tm = await runOrthancReceive(set, STORE_TIMEOUT_MS, k);
          expect(tm, `Orthanc (${k} associations)`);
          orthancMany.runs.push(tm);
          line += `, Orthanc ${secs(tm)}`;
        }
      }
      if (!native.unavailable) {
        const x = await runNodeReceive(set, work, 'dicom-dimse-native', STORE_TIMEOUT_MS);
        expect(x, 'the node (dicom-dimse-native)', x.log);
        native.runs.push(x);
        line += `, node dicom-dimse-native ${secs(x)}`;
      }
      say(line);
    }
    // DCMTK's defaults stall ~40 ms per instance (Nagle + delayed ACK); one run shows it.
    const dd = await runDcmtkReceive(set, work, STORE_TIMEOUT_MS, false);
    expect(dd, 'storescp (defaults)');
    dcmtkDefault.runs.push(dd);
    dcmtkDefault.note = 'one run; shown because it is what a plain `storescp` gives on Debian. Not the reference.';
    say(`  defaults: storescp ${secs(dd)}`);
    const peak = Math.max(...oursRuns.map((r) => r.peakRss));
    ours.note = `peak RSS of the node process over these runs ${(peak / 2 ** 20).toFixed(0)} MiB (idle ${(oursRuns[0].idleRss / 2 ** 20).toFixed(0)} MiB).`;
    if (native.runs.length > 0) {
      const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      native.note =
        `DCMTK inside the node acknowledges each C-STORE before the node adopts the file into the spool; the time runs until the ` +
        `last instance is adopted (storescu itself finished after ${med(native.runs.map((r) => r.storescuSeconds)).toFixed(2)} s, median). ` +
        `The listener as node.yaml's \`transport: dicom-dimse-native\` starts it: the node sets TCP_NODELAY for DCMTK (Nagle's algorithm ` +
        `would stall each response ~40 ms, as in the Debian-defaults storescp row).`;
    }

    if (o.breakdown) {
      say('  stage breakdown (in process)…');
      report.breakdown = await measureReceiveBreakdown(set, work);
    }
    if (o.census) {
      if (straceAvailable()) {
        say('  system-call census (strace)…');
        report.census = await countSyscalls(set, work, Math.min(100, instances));
      } else say('  strace not installed: no system-call census');
    }

    if (o.profile) {
      say('  CPU profile of the node child…');
      report.profile = await profileReceive(set, work, Math.min(100, instances));
    }

    if (o.memory) {
      memorySet = await ensurePhantomSet(join(work, 'memory-study'), { slices: memorySlices, size: SIZE, seed: 2 }, progressBar('generating memory study'));
      say(`  memory study: ${memorySlices} instances, ${(memorySet.bytes / 1e6).toFixed(0)} MB, generated in ${memorySet.generatedSeconds.toFixed(1)} s`);
      const run = await runNodeReceive(memorySet, work, 'dcmjs-dimse', STORE_TIMEOUT_MS * 2);
      if (run.received !== memorySlices) throw new Error(`the node stored ${run.received} of ${memorySlices} instances\n${run.log}`);
      report.memory = { instances: memorySlices, bytes: memorySet.bytes, run };
      say(`  memory study received in ${secs(run)}, peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB`);
    }
  } finally {
    // The generated large study and every receiver's files go; only the 500-instance set is cached.
    rmSync(work, { recursive: true, force: true });
  }

  env.loadAverageEnd = loadavg();
  report.totalSeconds = (performance.now() - t0) / 1000;
  const md = renderMarkdown(report);
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${env.date}-ingest-${env.host}${quick ? '-quick' : ''}`);
  writeFileSync(`${base}.md`, md);
  // Throughput runs keep their memory figures but not their sample series.
  const json = {
    ...report,
    throughput: report.throughput.map((c) => ({ ...c, runs: c.runs.map((r) => ('samples' in r ? { ...r, samples: undefined } : r)) })),
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`${md}\nwritten: ${base}.md, ${base}.json\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
