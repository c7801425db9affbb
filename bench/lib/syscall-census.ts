import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../test/helpers/dcmtk.js';
import { CALLING_AE, NODE_AE, startNodeProcess, writeBenchConfig } from './node-process.js';
import { copySubset, type PhantomSet } from './phantom-set.js';

const TRACED = ['fsync', 'fdatasync', 'rename', 'renameat', 'renameat2', 'statfs', 'fstatfs', 'openat', 'mkdir', 'unlink', 'pwrite64', 'write'];

/** System calls per received instance made by the node process (all threads), from `strace -c`. */
export interface SyscallCensus {
  instances: number;
  perInstance: Record<string, number>;
}

export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Parses the summary table of `strace -c`: syscall → calls. */
export function parseStraceSummary(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // % time, seconds, usecs/call, calls, [errors], syscall
    if (cols.length < 5 || !/^\d+\.\d+$/.test(cols[0])) continue;
    const name = cols[cols.length - 1];
    if (name === 'total') continue;
    counts[name] = Number(cols[3]);
  }
  return counts;
}

/**
 * Sends the first `count` instances of the set to a fresh node with strace attached to every
 * thread of it, and divides the counts by the instances. Not timed: strace slows every syscall.
 */
export async function countSyscalls(set: PhantomSet, workDir: string, count: number): Promise<SyscallCensus> {
  const subset = join(workDir, 'census-files');
  const sent = copySubset(set, subset, count);
  const configDir = join(workDir, 'census-node');
  mkdirSync(configDir, { recursive: true });
  writeBenchConfig(configDir, join(configDir, 'data'), 'dcmjs-dimse');
  const node = await startNodeProcess(configDir, set.seriesUid, 'dcmjs-dimse');
  const out = join(workDir, 'strace.txt');
  const tracer = spawn('strace', ['-f', '-c', '-e', `trace=${TRACED.join(',')}`, '-o', out, '-p', String(node.pid)], { stdio: 'ignore' });
  try {
    // strace attaches within a moment; it reports nothing until it detaches.
    await new Promise((r) => setTimeout(r, 1000));
    const r = await runTool('storescu', ['-aet', CALLING_AE, '-aec', NODE_AE, '+sd', '127.0.0.1', String(node.port), subset], 300_000);
    if (r.rc !== 0) throw new Error(`storescu failed under strace: ${r.output.slice(-1000)}`);
    await new Promise<void>((resolve) => {
      tracer.once('exit', () => resolve());
      tracer.kill('SIGINT');
    });
    const counts = parseStraceSummary(readFileSync(out, 'utf8'));
    const perInstance: Record<string, number> = {};
    for (const [k, v] of Object.entries(counts)) perInstance[k] = Math.round((v / sent) * 100) / 100;
    return { instances: sent, perInstance };
  } finally {
    if (tracer.exitCode === null && tracer.signalCode === null) tracer.kill('SIGKILL');
    await node.stop().catch(() => undefined);
    rmSync(subset, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
}
