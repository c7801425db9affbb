/** The node as a separate process (`unimie-node serve`), as an admin runs it, with its RSS and open files. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../e2e/node-harness.js';

/** `logFile`: the node's log (stdout) is appended there; without it, it is dropped. */
export function serve(configDir: string, env: NodeJS.ProcessEnv = {}, logFile?: string): ChildProcess {
  const log = logFile ? openSync(logFile, 'a') : 'ignore';
  try {
    return spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], {
      cwd: REPO,
      stdio: ['ignore', log, 'inherit'],
      env: { ...process.env, ...env },
    });
  } finally {
    if (typeof log === 'number') closeSync(log);
  }
}

export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  child.kill(signal);
  await exited(child);
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resident set size (kB → bytes) and open file descriptors of a process, from /proc. */
export function processUsage(pid: number): { rssBytes: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssBytes: rssKb * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}
