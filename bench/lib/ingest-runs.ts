import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../test/helpers/dcmtk.js';
import { startOrthanc } from '../../test/helpers/orthanc.js';
import { freePort, waitForPort } from '../../test/helpers/ports.js';
import { CALLING_AE, NODE_AE, startNodeProcess, writeBenchConfig, type HeapReading, type Transport } from './node-process.js';
import type { PhantomSet } from './phantom-set.js';
import { MemorySampler, type MemorySample } from './process-memory.js';

/** One timed transfer of a phantom set by `storescu +sd` (one association) or by several storescu at once. */
export interface IngestRun {
  /** Wall time from starting storescu until every instance is durably held by the receiver. */
  seconds: number;
  /** storescu's own wall time (equal to `seconds` unless the receiver finishes after the last ack). */
  storescuSeconds: number;
  /** Instances the receiver holds afterwards (must equal the set's slices). */
  received: number;
}

export interface NodeRun extends IngestRun {
  transport: string;
  /** Resident set of the node process once started, before the transfer. */
  idleRss: number;
  /** Kernel peak (VmHWM) of the node process over the run. */
  peakRss: number;
  /** RSS at 25/50/75/100 % of the instances received. */
  atFractions: Array<{ fraction: number; progress: number; rss: number; hwm: number } | undefined>;
  samples: MemorySample[];
  /** The node's own process.memoryUsage() at the end of the transfer and its largest V8 heap. */
  heapAtEnd?: HeapReading;
  maxHeapUsed: number;
  maxExternal: number;
  /** The node's warnings and errors (stderr), trimmed. */
  log: string;
}

/**
 * storescu sending the set. `noDelay`: DCMTK's TCP_NODELAY=1 for the sender too (as for the
 * DCMTK-based receivers), so no receiver waits on a Nagle-held tail segment of a C-STORE.
 */
async function storescu(port: number, calledAe: string, dir: string, timeoutMs: number, associations = 1, noDelay = true): Promise<number> {
  const env = { ...process.env };
  if (noDelay) env.TCP_NODELAY = '1';
  else delete env.TCP_NODELAY;
  const started = performance.now();
  // Several associations: the files dealt out round-robin, one storescu (one association) per share.
  const shares =
    associations === 1
      ? [['+sd', dir]]
      : Array.from({ length: associations }, (_, i) =>
          readdirSync(dir)
            .filter((f) => f.endsWith('.dcm'))
            .sort()
            .filter((_, j) => j % associations === i)
            .map((f) => join(dir, f)),
        );
  const results = await Promise.all(shares.map((args) => runTool('storescu', ['-aet', CALLING_AE, '-aec', calledAe, '127.0.0.1', String(port), ...args], timeoutMs, { env })));
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) if (r.rc !== 0) throw new Error(`storescu failed with ${r.rc}:\n${r.output.slice(-2000)}`);
  return seconds;
}

function countFiles(dir: string, recursive = false): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive, withFileTypes: true }).filter((e) => e.isFile()).length;
}

/**
 * Flushes dirty pages before a timed run, so that no run pays for the write-back of the one
 * before (storescp leaves its files in the page cache; the node's fsyncs would flush them).
 */
export function flushPageCache(): void {
  spawnSync('sync');
}

/**
 * DCMTK storescp (started here, writing into a temp folder) receiving the set from storescu.
 * `noDelay` sets DCMTK's TCP_NODELAY=1 for storescp: without it, DCMTK as built by Debian keeps
 * Nagle's algorithm on, and its two-write C-STORE-RSP waits for storescu's delayed ACK (~40 ms)
 * on every instance.
 */
export async function runDcmtkReceive(set: PhantomSet, workDir: string, timeoutMs: number, noDelay: boolean, associations = 1): Promise<IngestRun> {
  const out = join(workDir, 'storescp');
  mkdirSync(out, { recursive: true });
  const port = await freePort();
  const env = { ...process.env };
  if (noDelay) env.TCP_NODELAY = '1';
  else delete env.TCP_NODELAY;
  const scp = spawn('storescp', ['-aet', 'STORESCP', '-od', out, String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  scp.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => scp.once('exit', () => r()));
  try {
    await waitForPort(port, '127.0.0.1', 10_000).catch((e: Error) => {
      throw new Error(`storescp did not start: ${e.message}\n${err}`);
    });
    flushPageCache();
    const seconds = await storescu(port, 'STORESCP', set.dir, timeoutMs, associations, noDelay);
    return { seconds, storescuSeconds: seconds, received: countFiles(out) };
  } finally {
    scp.kill('SIGTERM');
    await exited;
    rmSync(out, { recursive: true, force: true });
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A real node (startNode in its own process, receive-only config) receiving the set from storescu,
 * with its memory sampled every 100 ms against the number of instances already in the spool.
 */
export async function runNodeReceive(
  set: PhantomSet,
  workDir: string,
  transport: Transport,
  timeoutMs: number,
  env: Record<string, string> = {},
  associations = 1,
): Promise<NodeRun> {
  const configDir = join(workDir, `node-${transport}`);
  const dataDir = join(configDir, 'data');
  mkdirSync(configDir, { recursive: true });
  writeBenchConfig(configDir, dataDir, transport);
  const node = await startNodeProcess(configDir, set.seriesUid, transport, env);
  const seriesDir = join(dataDir, 'spool', 'studies', set.studyUid, set.seriesUid);
  const inboxDir = join(dataDir, 'spool', 'inbox');
  const inSpool = (): number => countFiles(seriesDir);
  const sampler = new MemorySampler(node.pid, inSpool, 100);
  let stopped: { stored: number; kept: number } | undefined;
  try {
    // Let start-up allocations settle before the idle reading.
    await new Promise((r) => setTimeout(r, 500));
    flushPageCache();
    sampler.start();
    const idleRss = sampler.samples[0]?.rss ?? 0;
    const started = performance.now();
    const storescuSeconds = await storescu(node.port, NODE_AE, set.dir, timeoutMs, associations);
    // dcmjs-dimse answers each C-STORE after the spool commit, so this holds at once; the DCMTK
    // transport acknowledges first and the node adopts the files from its inbox afterwards.
    await waitUntil(() => inSpool() >= set.slices && countFiles(inboxDir, true) === 0, timeoutMs, `${set.slices} instances in the spool`);
    const seconds = (performance.now() - started) / 1000;
    sampler.stop();
    // One more memoryUsage line from the child after the last instance.
    await new Promise((r) => setTimeout(r, 600));
    const heap = node.heap();
    stopped = await node.stop();
    return {
      transport: node.transport,
      seconds,
      storescuSeconds,
      received: stopped.stored,
      idleRss,
      peakRss: sampler.peak(),
      atFractions: sampler.atFractions(set.slices, [0.25, 0.5, 0.75, 1]),
      samples: sampler.samples,
      heapAtEnd: heap[heap.length - 1],
      maxHeapUsed: heap.reduce((m, h) => Math.max(m, h.heapUsed), 0),
      maxExternal: heap.reduce((m, h) => Math.max(m, h.external), 0),
      log: node.stderr().slice(-2000),
    };
  } finally {
    sampler.stop();
    if (!stopped) await node.stop().catch(() => undefined);
    rmSync(configDir, { recursive: true, force: true });
  }
}

/**
 * Orthanc (Debian package, started here with a fresh storage folder, TCP_NODELAY=1) receiving the set: it
 * stores each object and commits it to its SQLite index before it answers the C-STORE. The
 * count comes from its REST API afterwards.
 */
export async function runOrthancReceive(set: PhantomSet, timeoutMs: number, associations = 1): Promise<IngestRun> {
  // Orthanc's DICOM server is DCMTK's: TCP_NODELAY=1 as for storescp (startOrthanc passes this
  // process's environment on to Orthanc).
  const before = process.env.TCP_NODELAY;
  process.env.TCP_NODELAY = '1';
  let orthanc;
  try {
    orthanc = await startOrthanc({ aeTitle: 'ORTHANC' });
  } finally {
    if (before === undefined) delete process.env.TCP_NODELAY;
    else process.env.TCP_NODELAY = before;
  }
  try {
    flushPageCache();
    const seconds = await storescu(orthanc.dicomPort, orthanc.aeTitle, set.dir, timeoutMs, associations);
    const stats = await orthanc.get<{ CountInstances: number }>('/statistics');
    return { seconds, storescuSeconds: seconds, received: stats.CountInstances };
  } finally {
    await orthanc.stop();
  }
}
