import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export type Transport = 'dcmjs-dimse' | 'dicom-dimse-native';

export const NODE_AE = 'UNIMIE';
export const CALLING_AE = 'STORESCU';

const REPO = resolve(import.meta.dirname, '../..');
const CHILD = join(REPO, 'bench/ingest-node-child.ts');

/**
 * node.yaml + rules.yaml for a receive-only node: one listener on a port it picks itself, the
 * caller allowed from loopback, and a rules file with only the default drop rule, so nothing
 * received is processed (the benchmark measures the receive path alone).
 */
export function writeBenchConfig(configDir: string, dataDir: string, transport: Transport): void {
  // dicom-dimse-native cannot refuse callers: its listener must say so with `*`.
  const allow = transport === 'dicom-dimse-native' ? `      - aeTitle: '*'` : `      - aeTitle: ${CALLING_AE}\n        hosts: [127.0.0.1]`;
  writeFileSync(
    join(configDir, 'node.yaml'),
    `node:
  aeTitle: ${NODE_AE}
  dataDir: ${JSON.stringify(dataDir)}
  logLevel: warn
listeners:
  - name: bench
    aeTitle: ${NODE_AE}
    host: 127.0.0.1
    port: 0
    transport: ${transport}
    allow:
${allow}
limits:
  minFreeDiskMb: 256
`,
  );
  writeFileSync(
    join(configDir, 'rules.yaml'),
    `rules:
  - name: default
    default: true
    actions: { drop: true }
`,
  );
}

/** process.memoryUsage() of the child, as it reports it every 500 ms. */
export interface HeapReading {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** A node running in its own process (bench/ingest-node-child.ts). */
export interface NodeProcess {
  pid: number;
  port: number;
  /** The listener's transport as the child reports it. */
  transport: string;
  /** What the child wrote on stderr (warnings and errors of the node's log). */
  stderr(): string;
  /** The child's process.memoryUsage() readings so far, newest last. */
  heap(): HeapReading[];
  /** Stops the node; resolves with the instances of the series it holds. */
  stop(): Promise<{ stored: number; kept: number }>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

/**
 * Starts the child with `node --import tsx` (one process, so its pid is the node's) and waits for
 * its ready line. `env` adds to the inherited environment (e.g. DCMTK's TCP_NODELAY); `nodeArgs` go
 * to node itself (e.g. --cpu-prof).
 */
export async function startNodeProcess(
  configDir: string,
  seriesUid: string,
  transport: Transport,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD, configDir, seriesUid, transport], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  // A write to a child that has already gone must not take the benchmark down.
  child.stdin!.on('error', () => undefined);
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const messages: Array<Record<string, unknown>> = [];
  const heap: HeapReading[] = [];
  const waiters: Array<() => void> = [];
  lines.on('line', (line) => {
    try {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.event === 'memory') heap.push(m as unknown as HeapReading);
      else messages.push(m);
    } catch {
      err += `${line}\n`;
    }
    for (const w of waiters.splice(0)) w();
  });
  const next = (event: string, timeoutMs: number): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node child: no "${event}" after ${timeoutMs} ms\n${err}`)), timeoutMs);
      const check = (): void => {
        const m = messages.find((x) => x.event === event);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`node child exited with ${child.exitCode} before "${event}"\n${err}`));
        } else waiters.push(check);
      };
      child.once('exit', () => waiters.splice(0).forEach((w) => w()));
      check();
    });
  const ready = await next('ready', 60_000).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  let stopping: Promise<{ stored: number; kept: number }> | undefined;
  return {
    pid: child.pid!,
    port: Number(ready.port),
    transport: String(ready.transport),
    stderr: () => err,
    heap: () => heap,
    stop() {
      stopping ??= stopChild();
      return stopping;
    },
  };

  async function stopChild(): Promise<{ stored: number; kept: number }> {
    child.stdin!.write('stop\n');
    try {
      const stopped = await next('stopped', 60_000);
      // dicom-dimse-native's DCMTK thread can keep process.exit() from returning: give the child a
      // moment, then kill it (its node has already stopped and closed the database).
      await Promise.race([exitOf(child), new Promise((r) => setTimeout(r, 3000).unref())]);
      return { stored: Number(stopped.stored), kept: Number(stopped.kept) };
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exitOf(child);
      }
    }
  }
}
