/**
 * Scale-out throughput (a benchmark, not a test):
 *   npx tsx bench/scale.ts [slices] [size]        (npm run bench:scale)
 * A phantom CT series (default 24 slices of 256², soft-tissue window, the default preset) through
 *   - the local executor's engine in this process, onnxruntime limited to one thread;
 *   - the bullmq executor with 1 and then 2 `worker` processes (one thread each) on a local
 *     redis-server, in batches of 8 slices as the series pipeline hands them over;
 * and the queue overhead per job: single-slice batches on one idle worker, publish → start and
 * publish → result back, against the slice's engine time from the same jobs. The three set-ups
 * run in turn for several rounds (the machine is shared) and the best round of each counts.
 * Checks that every executor returns the same bytes. Writes bench/results/<date>-scale-<host>.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load.js';
import { createPhantomSeries, phantomPixels } from '../src/dicom/phantom.js';
import { EnhancementEngine } from '../src/enhance/engine.js';
import { ModelRegistry } from '../src/enhance/model-registry.js';
import { toEngineImage } from '../src/enhance/engine-image.js';
import type { SliceEnhancer } from '../src/enhance/slice-enhancer.js';
import { openDatabase } from '../src/provenance/database.js';
import { createRgbImage, type RgbImage } from '../src/render/rgb-image.js';
import { createBullmqEnhancer } from '../src/scale/remote-enhancer.js';
import { silentLogger } from '../src/shared/log.js';
import { freePort, waitForPort } from '../test/helpers/ports.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../src/export/destination-kinds.js';

const SLICES = Number(process.argv[2] ?? 24);
const SIZE = Number(process.argv[3] ?? 256);
const ROUNDS = Number(process.argv[4] ?? 2);
const BATCH = 8;
const MANIFEST = resolve('model/embedded/manifest.yaml');
const PASSWORD = 'bench-scale-password';

function windowed(): RgbImage[] {
  const series = createPhantomSeries({ slices: SLICES, rows: SIZE, columns: SIZE, seed: 9 });
  return Array.from({ length: SLICES }, (_, i) => {
    const stored = phantomPixels(series, i);
    const img = createRgbImage(SIZE, SIZE);
    for (let j = 0; j < stored.length; j++) {
      const hu = stored[j]! - 1024;
      const v = Math.round(Math.min(1, Math.max(0, (hu + 160) / 400)) * 255);
      img.data.fill(v, 3 * j, 3 * j + 3);
    }
    return img;
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-'));
const children: ChildProcess[] = [];
const stopAll = (): void => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', stopAll);

async function startRedis(): Promise<number> {
  const port = await freePort();
  children.push(
    spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', tmp, '--requirepass', PASSWORD], {
      stdio: 'ignore',
    }),
  );
  await waitForPort(port);
  return port;
}

async function startWorker(redisPort: number, queue: string, name: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', `redis://127.0.0.1:${redisPort}`, '--queue', queue, '--model', MANIFEST, '--threads', '1', '--name', name],
    { env: { ...process.env, REDIS_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(proc);
  await new Promise<void>((ok, fail) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => l.includes('"worker listening"') && ok());
    proc.once('exit', (c) => fail(new Error(`worker ${name} exited ${c}`)));
  });
  return proc;
}

interface Run {
  label: string;
  wallMs: number;
  engineMs: number;
  /** CPU seconds the enhancing processes got during the run (this process for local, the workers otherwise). */
  cpuSeconds: number;
  outputs: Uint8Array[];
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runSeries(label: string, enhance: SliceEnhancer['enhance'], images: RgbImage[], batch: number, pids: number[]): Promise<Run> {
  const signal = new AbortController().signal;
  const outputs: Uint8Array[] = [];
  let engineMs = 0;
  const cpu0 = pids.reduce((a, p) => a + cpuOf(p), 0);
  const t0 = performance.now();
  for (let first = 0; first < images.length; first += batch) {
    const out = await enhance(images.slice(first, first + batch), 'bench', { signal, firstSlice: first });
    for (const s of out) {
      outputs.push(s.image.data);
      engineMs += s.timings.totalMs ?? 0;
    }
  }
  const wallMs = performance.now() - t0;
  const cpuSeconds = pids.reduce((a, p) => a + cpuOf(p), 0) - cpu0;
  const perMin = (images.length / wallMs) * 60_000;
  console.log(
    `${label.padEnd(34)} ${images.length} slices  ${(wallMs / 1000).toFixed(1)} s  ${perMin.toFixed(1)} slices/min  cores obtained ${(cpuSeconds / (wallMs / 1000)).toFixed(2)}  CPU s/slice ${(cpuSeconds / images.length).toFixed(2)}`,
  );
  return { label, wallMs, engineMs, cpuSeconds, outputs };
}

const images = windowed();
const configDir = mkdtempSync(join(tmpdir(), 'bench-scale-config-'));
const redisPort = await startRedis();
writeFileSync(join(configDir, 'redis-password'), PASSWORD);
const configFor = (queue: string) => {
  writeFileSync(
    join(configDir, 'node.yaml'),
    `node: { dataDir: ${tmp} }
models:
  embedded: { manifest: ${MANIFEST} }
presets:
  bench: { model: embedded }
executor:
  kind: bullmq
  slicesPerBatch: ${BATCH}
  redis: { url: 'redis://127.0.0.1:${redisPort}', passwordFile: ./redis-password }
  queue: ${queue}
`,
  );
  writeFileSync(join(configDir, 'rules.yaml'), 'rules:\n  - { name: default, default: true, actions: { drop: true } }\n');
  return loadConfig(configDir);
};
const config1 = configFor('bench-one');
const config2 = configFor('bench-two');
const { name: _n, ...preset } = config1.presets.bench!;

// Local executor: the same engine call the node makes (quality figures included, as there and in
// the workers), one onnxruntime thread.
const registry = await ModelRegistry.open(['embedded'], { modelsDir: 'model', manifestPaths: { embedded: MANIFEST }, session: { intraOpThreads: 1 } });
const engine = new EnhancementEngine(registry);
const localEnhance: SliceEnhancer['enhance'] = async (imgs, _p, opts) =>
  (await engine.enhanceSeries(imgs.map(toEngineImage), preset as never, { firstStream: opts.firstSlice ?? 0 })).map((r) => ({
    image: { width: r.image.width, height: r.image.height, data: r.image.data },
    backgroundProtected: r.backgroundProtected,
    applied: r.applied,
    timings: { ...r.timings },
  }));
const db = openDatabase(join(tmp, 'bench.sqlite'));
const oneWorker = (await createBullmqEnhancer(config1, db, silentLogger))!;
const twoWorkers = (await createBullmqEnhancer(config2, db, silentLogger))!;
// Idle workers wait in a blocking Redis call and take no CPU from the others.
const [w1, w21, w22] = await Promise.all([startWorker(redisPort, 'bench-one', 'one-1'), startWorker(redisPort, 'bench-two', 'two-1'), startWorker(redisPort, 'bench-two', 'two-2')]);
const warm = { signal: new AbortController().signal, firstSlice: 0 };
await Promise.all([localEnhance(images.slice(0, 1), 'bench', warm), oneWorker.enhance(images.slice(0, 1), 'bench', warm), twoWorkers.enhance(images.slice(0, 2), 'bench', warm)]);

const best = (runs: Run[]): Run => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
const rounds: Record<'local' | 'one' | 'two', Run[]> = { local: [], one: [], two: [] };
for (let r = 0; r < ROUNDS; r++) {
  rounds.local.push(await runSeries('local executor, 1 thread', localEnhance, images, BATCH, [process.pid]));
  rounds.one.push(await runSeries('bullmq, 1 worker × 1 thread', oneWorker.enhance, images, BATCH, [w1!.pid!]));
  rounds.two.push(await runSeries('bullmq, 2 workers × 1 thread', twoWorkers.enhance, images, BATCH, [w21!.pid!, w22!.pid!]));
}
const local = best(rounds.local);
const one = best(rounds.one);
const two = best(rounds.two);
await registry.close();

// Queue overhead: one slice per batch on one idle worker.
const overhead = { n: 0, queued: 0, roundTrip: 0, engine: 0 };
for (let i = 0; i < 12; i++) {
  const t0 = performance.now();
  const [s] = await oneWorker.enhance([images[i % images.length]!], 'bench', { signal: new AbortController().signal, firstSlice: i });
  const wall = performance.now() - t0;
  overhead.n++;
  overhead.queued += s!.timings.queuedMs ?? 0;
  overhead.engine += s!.timings.totalMs ?? 0;
  overhead.roundTrip += wall - (s!.timings.totalMs ?? 0);
}
const queuedMs = overhead.queued / overhead.n;
const roundTripMs = overhead.roundTrip / overhead.n;
const engineMs = overhead.engine / overhead.n;
console.log(`queue overhead per job: publish→start ${queuedMs.toFixed(1)} ms, publish→result ${roundTripMs.toFixed(1)} ms beyond an engine time of ${engineMs.toFixed(0)} ms`);
await oneWorker.close!();
await twoWorkers.close!();
db.close();

const same = (a: Run, b: Run): boolean => a.outputs.length === b.outputs.length && a.outputs.every((o, i) => Buffer.from(o).equals(Buffer.from(b.outputs[i]!)));
const identical = [...rounds.one, ...rounds.two, ...rounds.local].every((r) => same(rounds.local[0]!, r));
console.log(`outputs identical across executors: ${identical}`);
stopAll();

const rate = (r: Run): number => (images.length / r.wallMs) * 60_000;
const date = new Date().toISOString().slice(0, 10);
const host = hostname();
const out = join('bench', 'results', `${date}-scale-${host}.md`);
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(
  out,
  [
    `# Scale-out executors — ${date}`,
    '',
    `Host: ${host}, ${availableParallelism()} CPU cores (shared with other work), load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    `Series: ${SLICES} phantom CT slices of ${SIZE}², soft-tissue window, the \`bench\` preset (config defaults), model ${MANIFEST.replace(`${resolve('.')}/`, '')}.`,
    `Best of ${ROUNDS} rounds per set-up (run in turn: local, 1 worker, 2 workers). All rounds (s): local ${rounds.local.map((r) => (r.wallMs / 1000).toFixed(1)).join(', ')}; 1 worker ${rounds.one.map((r) => (r.wallMs / 1000).toFixed(1)).join(', ')}; 2 workers ${rounds.two.map((r) => (r.wallMs / 1000).toFixed(1)).join(', ')}.`,
    `The pipeline hands ${BATCH} slices at a time; bullmq: one child job per slice (slicesPerJob 1), workers with onnxruntime limited to one thread, Redis ${'`redis-server`'} on 127.0.0.1 with AOF and a password.`,
    '',
    '| executor | wall (s) | slices/min | vs local | vs 1 worker | cores obtained | CPU s per slice |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...[local, one, two].map(
      (r) =>
        `| ${r.label} | ${(r.wallMs / 1000).toFixed(1)} | ${rate(r).toFixed(1)} | ${(rate(r) / rate(local)).toFixed(2)}× | ${(rate(r) / rate(one)).toFixed(2)}× | ${(r.cpuSeconds / (r.wallMs / 1000)).toFixed(2)} | ${(r.cpuSeconds / images.length).toFixed(2)} |`,
    ),
    '',
    '"Cores obtained" = CPU seconds of the enhancing processes / wall seconds: on a shared machine it shows how much of the two cores the run actually got; "CPU s per slice" staying flat from 1 to 2 workers means the queue adds no work per slice, so throughput follows the cores available.',
    '',
    `Queue overhead per job (${overhead.n} single-slice batches, one idle worker): publish → start **${queuedMs.toFixed(1)} ms** = **${((queuedMs / engineMs) * 100).toFixed(2)} %** of a slice's engine time (${engineMs.toFixed(0)} ms); publish → pixels back at the node, beyond the engine time: ${roundTripMs.toFixed(1)} ms (${((roundTripMs / engineMs) * 100).toFixed(1)} %; this also holds the quality figures the worker computes after sampling, as the local executor does, the base64 coding and the completion of the series parent).`,
    '',
    `Outputs byte-identical across the three runs: **${identical ? 'yes' : 'NO'}**.`,
    '',
    'Goals (issue 10): 2 workers ≥ 1.8× one worker; queue overhead < 2 % of a slice\'s engine time.',
    '',
  ].join('\n'),
);
console.log(`wrote ${out}`);
rmSync(tmp, { recursive: true, force: true });
rmSync(configDir, { recursive: true, force: true });
process.exit(identical ? 0 : 1);
