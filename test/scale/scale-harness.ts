import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, isPortOpen, waitForPort } from '../helpers/ports.js';
import { storescu } from '../helpers/dcmtk.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { readPart10, writePart10 } from '../../src/dicom/part10.js';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { createEngineEnhancer } from '../../src/pipeline/engine-enhancer.js';
import { derivationsOfSeries, whatRanOf, type WhatRan } from '../../src/provenance/derivations.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { silentLogger } from '../../src/shared/log.js';
import { EMBEDDED_MANIFEST, removeDir, REPO, writeFolderNodeYaml } from '../e2e/node-harness.js';

export { REPO };
export const MANIFEST = EMBEDDED_MANIFEST;
export const REDIS_PASSWORD = 'scale-test-password-0123';

/** Debian's redis-server on 127.0.0.1 and a free port, with a password and AOF (fsync always). */
export class TestRedis {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'scale-redis-'));
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.proc = spawn(
      '/usr/bin/redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir, '--requirepass', REDIS_PASSWORD],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await waitForPort(this.port, '127.0.0.1', 10_000);
  }

  /** SIGKILL: no chance to flush anything beyond what AOF already holds. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    while (await isPortOpen(this.port)) await new Promise((r) => setTimeout(r, 50));
  }
}

export interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  healthPort: number;
  /** Lines the worker logged (pino JSON). */
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `worker` as a separate process (tsx), one onnxruntime thread, short locks (2 s) unless told otherwise. */
export async function startWorker(
  redis: { url: string },
  name: string,
  opts: { manifest?: string; queue?: string; lockSeconds?: number; redisCa?: string } = {},
): Promise<WorkerProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'src/cli/main.ts'),
      'worker',
      '--redis',
      redis.url,
      '--queue',
      opts.queue ?? 'scale-test',
      '--model',
      opts.manifest ?? MANIFEST,
      '--threads',
      '1',
      '--name',
      name,
      '--health-host',
      '127.0.0.1',
      '--health-port',
      '0',
      '--lock-seconds',
      String(opts.lockSeconds ?? 2),
      '--stalled-seconds',
      '0.5',
      ...(opts.redisCa ? ['--redis-ca', opts.redisCa] : []),
    ],
    { cwd: REPO, env: { ...process.env, REDIS_PASSWORD, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"worker listening"')) resolve(JSON.parse(line).healthPort as number);
    });
    proc.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready: ${stderr}${lines.join('\n')}`)));
  });
  const healthPort = await ready;
  return {
    name,
    proc,
    healthPort,
    lines,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill(signal);
      return exited;
    },
  };
}

/** A phantom series on disk: its folder, its files in order and its Series Instance UID. */
export interface SeriesOnDisk {
  dir: string;
  files: string[];
  uid: string;
}

/** A small CT phantom series written as Part 10 files into a fresh folder. */
export function phantomSeries(opts: { slices: number; size: number; seed: number }): SeriesOnDisk {
  const dir = mkdtempSync(join(tmpdir(), 'scale-series-'));
  const series = createPhantomSeries({ slices: opts.slices, rows: opts.size, columns: opts.size, seed: opts.seed });
  for (let i = 0; i < opts.slices; i++) writeFileSync(join(dir, `${i}.dcm`), writePart10(phantomSliceDataset(series, i)));
  const files = readdirSync(dir).sort();
  return { dir, files, uid: String(readPart10(readFileSync(join(dir, files[0]!))).dataset.SeriesInstanceUID) };
}

export interface ScaleNodeOptions {
  executor: 'local' | 'bullmq';
  redis?: TestRedis;
  /** Preset YAML (flow mapping) for `small`. */
  preset?: string;
  attempts?: number;
  slicesPerBatch?: number;
}

export interface ScaleNode {
  node: RunningNode;
  /** Its configuration folder; the destination folder is `out` in it. */
  dir: string;
  /** Its DICOM listener. */
  port: number;
}

/** A node with one CT rule that enhances with preset `small` and writes to a folder. */
export async function startScaleNode(o: ScaleNodeOptions): Promise<ScaleNode> {
  const dir = mkdtempSync(join(tmpdir(), 'scale-node-'));
  mkdirSync(join(dir, 'out'));
  const port = await freePort();
  writeFileSync(join(dir, 'redis-password'), `${REDIS_PASSWORD}\n`);
  writeFolderNodeYaml(dir, {
    port,
    logLevel: 'warn',
    presets: { small: o.preset ?? '{ model: embedded, steps: 8, seed: 11, patchSize: 64, stride: 32, batchSize: 8 }' },
    extraYaml: `executor:
  kind: ${o.executor}
  slicesPerBatch: ${o.slicesPerBatch ?? 4}
  redis: { url: '${o.redis?.url ?? 'redis://127.0.0.1:6379'}', passwordFile: ./redis-password }
  queue: scale-test
  attempts: ${o.attempts ?? 3}
  backoffSeconds: 0.2
  timeoutSeconds: 120
`,
  });
  writeFileSync(
    join(dir, 'rules.yaml'),
    `rules:
  - name: ct
    match: { modality: CT }
    completion: { quietSeconds: 0.3 }
    actions: { windows: [soft-tissue], enhance: small, destinations: [out] }
  - name: default
    default: true
    actions: { drop: true }
`,
  );
  const node = await startNode({ configDir: dir, log: silentLogger, createEnhancer: createEngineEnhancer });
  return { node, dir, port };
}

export async function sendSeries(port: number, series: SeriesOnDisk): Promise<void> {
  const r = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, series.files.map((f) => join(series.dir, f)));
  if (r.rc !== 0) throw new Error(`storescu failed: ${JSON.stringify(r)}`);
}

/** Sends a series to a node and waits until its job has finished; returns the job. */
export async function processSeries(n: ScaleNode, series: SeriesOnDisk): Promise<JobRowLite> {
  await sendSeries(n.port, series);
  return waitForSeriesJob(n.node, series.uid);
}

/** What a scale test starts (Redis, workers, nodes, folders), stopped and removed by `teardown`. */
export class ScaleBed {
  readonly redis = new TestRedis();
  readonly workers: WorkerProcess[] = [];
  readonly nodes: RunningNode[] = [];
  readonly dirs: string[] = [];

  async startNode(o: ScaleNodeOptions): Promise<ScaleNode> {
    const n = await startScaleNode(o);
    this.nodes.push(n.node);
    this.dirs.push(n.dir);
    return n;
  }

  series(opts: { slices: number; size: number; seed: number }): SeriesOnDisk {
    const s = phantomSeries(opts);
    this.dirs.push(s.dir);
    return s;
  }

  async teardown(): Promise<void> {
    for (const n of this.nodes) await n.stop();
    await Promise.all(this.workers.map((w) => w.stop('SIGKILL')));
    await this.redis.kill();
    for (const d of [this.redis.dir, ...this.dirs]) removeDir(d);
  }
}

interface JobRowLite {
  id: number;
  state: string;
  last_error: string | null;
}

/** Waits until the series' job has finished (done, failed or dead) and returns it. */
export async function waitForSeriesJob(node: RunningNode, seriesUid: string, timeoutMs = 60_000): Promise<JobRowLite> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = node.db.prepare('SELECT id, state, last_error FROM jobs WHERE series_uid = ? ORDER BY id DESC LIMIT 1').get(seriesUid) as JobRowLite | undefined;
    if (row && ['done', 'failed', 'dead'].includes(row.state)) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`series job of ${seriesUid} not finished after ${timeoutMs} ms`);
}

export interface DerivedSlice {
  sourceSop: string;
  derivedSop: string;
  pixels: Buffer;
  producer?: { worker: string; host: string; device: string; attempts: number };
  /** What the derived object and its provenance row say ran. */
  derivationDescription: string;
  whatRan?: WhatRan;
}

/** The enhanced slices written for a source series, by source SOP Instance UID. */
export function derivedSlices(node: RunningNode, sourceSeriesUid: string): DerivedSlice[] {
  const out: DerivedSlice[] = [];
  for (const series of listDerivedSeriesBySource(node.db, sourceSeriesUid)) {
    for (const row of derivationsOfSeries(node.db, series.seriesUid)) {
      const ds = readPart10(readFileSync(row.path)).dataset;
      const params = JSON.parse((row as unknown as { params_json: string }).params_json) as { producer?: DerivedSlice['producer'] };
      out.push({
        sourceSop: row.source_sop_instance_uid,
        derivedSop: row.derived_sop_instance_uid,
        pixels: Buffer.from((ds.PixelData as ArrayBuffer[])[0]!),
        ...(params.producer ? { producer: params.producer } : {}),
        derivationDescription: String(ds.DerivationDescription),
        whatRan: whatRanOf(row),
      });
    }
  }
  return out.sort((a, b) => a.sourceSop.localeCompare(b.sourceSop));
}
