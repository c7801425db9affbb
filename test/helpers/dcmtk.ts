import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort, waitForPort } from './ports.js';

/** Result of running a DCMTK command line tool to completion. */
export interface ToolResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on messages. */
  output: string;
}

/** Runs a command (DCMTK tool or any other) and collects its exit status and output; never throws on a non-zero exit. */
export async function runTool(
  command: string,
  args: string[],
  timeoutMs = 60_000,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.env ? { env: opts.env } : {}) });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ rc: code ?? (signal ? 128 : 1), stdout, stderr, output });
    });
  });
}

export interface PeerAddress {
  port: number;
  host?: string;
  callingAeTitle: string;
  calledAeTitle: string;
}

/** `echoscu -aet CALLING -aec CALLED host port`. */
export async function echoscu(peer: PeerAddress, extraArgs: string[] = []): Promise<ToolResult> {
  return runTool('echoscu', [
    '-aet', peer.callingAeTitle, '-aec', peer.calledAeTitle, ...extraArgs,
    peer.host ?? '127.0.0.1', String(peer.port),
  ]);
}

/**
 * `storescu -aet CALLING -aec CALLED [extraArgs] host port files...`. Pass `['+sd', '+r']` to send
 * folders, `['-xs']` to propose JPEG lossless, `['-v']` for the status lines.
 */
export async function storescu(peer: PeerAddress, files: string[], extraArgs: string[] = []): Promise<ToolResult> {
  return runTool('storescu', [
    '-aet', peer.callingAeTitle, '-aec', peer.calledAeTitle, ...extraArgs,
    peer.host ?? '127.0.0.1', String(peer.port), ...files,
  ]);
}

/** A running DCMTK storescp writing every received object into `dir`. */
export interface StoreScp {
  aeTitle: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** Everything storescp printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface StoreScpOptions {
  dir: string;
  aeTitle?: string;
  port?: number;
  /** Extra arguments, e.g. `['+xa']` (accept all transfer syntaxes) or `['-v']`. */
  extraArgs?: string[];
}

/**
 * Starts `storescp -aet AE -od DIR [+xa] PORT` on a free port and waits until it listens.
 * storescp accepts any called AE and overwrites a repeated SOP Instance UID silently.
 */
export async function startStoreScp(opts: StoreScpOptions): Promise<StoreScp> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const aeTitle = opts.aeTitle ?? 'STORESCP';
  const server = await startDcmtkServer('storescp', ['-aet', aeTitle, '-od', opts.dir, ...(opts.extraArgs ?? []), String(port)], port);
  return { aeTitle, port, dir: opts.dir, ...server };
}

/** A DCMTK server process on `port`: its output so far and a stop that waits for the exit. */
export interface DcmtkServer {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts a DCMTK server and waits until its port answers; on failure the error carries its output. */
export async function startDcmtkServer(command: string, args: string[], port: number): Promise<DcmtkServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitForPort(port, '127.0.0.1', 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${command} did not start: ${(err as Error).message}\n${out}`);
  }
  return {
    process: child,
    output: () => out,
    stop: async () => {
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
