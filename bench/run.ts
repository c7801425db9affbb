/**
 * `npm run bench [-- --only engine,export] [-- --gpu <folder>] [-- <ingest options, e.g. --quick>]`:
 * every benchmark, each with its reference measured in the same run.
 * - engine (bench/engine.ts): time per step and per slice for 256²–1024²; wall time against model time;
 *   patches per call 1–32 against the same U-Net in PyTorch; series of 10–100 slices against 10;
 *   the sampler step as a graph against the JavaScript step;
 * - ingest (bench/ingest.ts): our SCP against DCMTK storescp and Orthanc on the same instances, peak RSS;
 * - export (bench/export.ts): our SCU against DCMTK storescu, same files, same storescp;
 * - scale (bench/scale.ts): slices/min with the local executor and 1 and 2 bullmq workers, queue overhead per job;
 * - steps-quality (bench/steps-quality.ts): PSNR/SSIM and time per slice for 10–250 steps against the input;
 * - end-to-end (bench/end-to-end.ts): last instance received → derived series delivered, against the engine's time;
 * - responsiveness (bench/responsiveness.ts): event-loop delay and C-STORE round trip while a series is
 *   enhanced, engine thread against the engine on the node's thread;
 * - crash-torture (test/reliability/crash-torture.test.ts, short): SIGKILL while studies arrive, 0 lost / 0 duplicated.
 * Each writes its own bench/results/<date>-<name>-<host>.md (and .json). Then the JSON results this run
 * wrote (each benchmark's own names, modified while it ran) become bench/results/<date>-summary.md
 * (<date>-summary-<names>.md for `--only`): every goal of issue 15 as measured, reference, ratio,
 * target, met or not; a failed benchmark shows as failed. `--gpu` takes the output folder of
 * bench/gpu/device-run.sh from a device run for the GPU table. Never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { benchmarkCatalogue, filesWrittenBy, parseBenchArgs } from './lib/benchmark-catalogue.js';
import type { BenchmarkOutcome, GpuRunInput, WrittenFile } from './lib/bench-run.js';
import { renderSummaryMarkdown } from './lib/bench-summary-md.js';
import { summariseRun } from './lib/bench-summary.js';

const REPO = resolve(import.meta.dirname, '..');
const RESULTS = join(REPO, 'bench', 'results');
const argv = process.argv.slice(2);
const args = parseBenchArgs(argv);
const startedAt = new Date();
const loadAverageStart = loadavg();
const git = (...a: string[]): string => spawnSync('git', ['-C', REPO, ...a], { encoding: 'utf8' }).stdout?.trim() ?? '';
// Read before the run: the benchmarks rewrite their own result files under bench/results.
const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
const uncommittedChanges = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results') !== '';
const date = startedAt.toISOString().slice(0, 10);
const host = hostname();
mkdirSync(RESULTS, { recursive: true });

function readJson(path: string): Pick<WrittenFile, 'json' | 'readError'> {
  try {
    return { json: JSON.parse(readFileSync(path, 'utf8')) as unknown };
  } catch (err) {
    return { readError: err instanceof Error ? err.message : String(err) };
  }
}

const resultFiles = () => readdirSync(RESULTS, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => ({ name: d.name, mtimeMs: statSync(join(RESULTS, d.name)).mtimeMs }));

const outcomes: BenchmarkOutcome[] = [];
for (const b of benchmarkCatalogue({ ingestArgs: args.ingestArgs, crashTortureJson: join('bench', 'results', `${date}-crash-torture-${host}.json`) })) {
  if (args.only && !args.only.includes(b.name)) {
    outcomes.push({ name: b.name, ran: false, exitCode: null, signal: null, seconds: 0, files: [] });
    continue;
  }
  console.log(`\n== ${b.name} ==`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, b.argv, { stdio: 'inherit', cwd: REPO });
  const t1 = Date.now();
  if (r.status !== 0) {
    console.error(`${b.name} benchmark failed (${r.status ?? r.signal ?? r.error?.message})`);
    process.exitCode = 1;
  }
  const files = filesWrittenBy(b, resultFiles(), t0, t1).map((f) => ({ name: f.name, ...(f.name.endsWith('.json') ? readJson(join(RESULTS, f.name)) : {}) }));
  outcomes.push({ name: b.name, ran: true, exitCode: r.status, signal: r.signal ?? (r.error ? r.error.message : null), seconds: (t1 - t0) / 1000, files });
}

function gpuInput(dir: string): GpuRunInput {
  const at = resolve(dir);
  const engine = readJson(join(at, 'engine-gpu.json'));
  const torch = readJson(join(at, 'torch.json'));
  const readError = engine.readError ?? torch.readError;
  if (readError) return { dir, readError: `${dir}: ${readError}` };
  const csv = join(at, 'gpu.csv');
  let gpuCsv: string | undefined;
  try {
    gpuCsv = readFileSync(csv, 'utf8');
  } catch {
    gpuCsv = undefined;
  }
  return { dir, writtenAt: statSync(join(at, 'engine-gpu.json')).mtime.toISOString(), engine: engine.json, torch: torch.json, gpuCsv };
}

const summary = summariseRun({
  conditions: {
    host,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    node: process.version,
    commit,
    uncommittedChanges,
    loadAverageStart,
    loadAverageEnd: loadavg(),
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    command: `${process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'tsx bench/run.ts'}${argv.length ? `${process.env.npm_lifecycle_event === 'bench' ? ' --' : ''} ${argv.join(' ')}` : ''}`,
  },
  benchmarks: outcomes,
  gpu: args.gpuDir === undefined ? undefined : gpuInput(args.gpuDir),
});
const md = renderSummaryMarkdown(summary);
const out = join(RESULTS, `${date}-summary${args.only ? `-${args.only.join('-')}` : ''}.md`);
writeFileSync(out, md);
console.log(`\n${md}\nwrote ${out}`);
