import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/** Result of running a DCMTK command line tool to completion. */
export interface ToolResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on messages. */
  output: string;
}

/** Runs a command (DCMTK tool or any other) and collects its exit status and output. */
export async function runTool(command: string, args: string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { aeTitle, dir: opts.dir, ...(await startPeer('storescp', ['-aet', aeTitle, '-od', opts.dir, ...(opts.extraArgs ?? []), String(port)], port)) };
}

/** DCMTK's query/retrieve SCP: stores C-STOREs in its own index and answers C-FIND. */
export interface QueryRetrieveScp extends StoreScp {
  /** SOP Instance UIDs of the C-STORE requests received, in order (a re-delivery appears twice). */
  storeRequests(): string[];
}

/**
 * Starts `dcmqrscp -v` on a free port with one storage area (`dir`) for `aeTitle` that any peer may
 * store to and query (Study Root C-FIND at IMAGE level). A repeated SOP Instance UID replaces the
 * stored file; the verbose log keeps every request.
 */
export async function startDcmqrscp(opts: { dir: string; aeTitle?: string }): Promise<QueryRetrieveScp> {
  mkdirSync(opts.dir, { recursive: true });
  const port = await freePort();
  const aeTitle = opts.aeTitle ?? 'PACSQR';
  const config = join(opts.dir, '..', `dcmqrscp-${port}.cfg`);
  writeFileSync(
    config,
    [
      `NetworkTCPPort = ${port}`,
      'MaxPDUSize = 65536',
      'MaxAssociations = 64',
      'HostTable BEGIN',
      'HostTable END',
      'VendorTable BEGIN',
      'VendorTable END',
      'AETable BEGIN',
      `${aeTitle} ${opts.dir} RW (500, 1024mb) ANY`,
      'AETable END',
      '',
    ].join('\n'),
  );
  const peer = await startPeer('dcmqrscp', ['-v', '-c', config, String(port)], port);
  return {
    aeTitle,
    dir: opts.dir,
    ...peer,
    storeRequests: () => {
      const uids: string[] = [];
      let inRequest = false;
      for (const line of peer.output().split('\n')) {
        if (line.includes('C-STORE RQ')) inRequest = true;
        else if (line.includes('C-STORE RSP')) inRequest = false;
        else if (inRequest && line.includes('Affected SOP Instance UID')) {
          uids.push(line.split(':').pop()!.trim());
          inRequest = false;
        }
      }
      return uids;
    },
  };
}

/** Spawns a DCMTK server on `port` and waits until it listens. */
async function startPeer(command: string, args: string[], port: number): Promise<Omit<StoreScp, 'aeTitle' | 'dir'>> {
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
    port,
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
