import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startDcmtkServer } from './dcmtk.js';
import { freePort } from './ports.js';

/** A calling peer dcmqrscp lets in (its HostTable entry); the port matters only for C-MOVE. */
export interface QrPeer {
  aeTitle: string;
  host?: string;
  port?: number;
}

export interface DcmqrscpOptions {
  /** Storage area: the received files and dcmqrscp's index.dat. */
  dir: string;
  aeTitle?: string;
  /** Callers allowed to store and query; default any caller. */
  peers?: QrPeer[];
  /**
   * dcmqrscp's quota, which it enforces by DELETING: past `maxStudies` studies the oldest study's
   * files go, past `maxBytesPerStudy` that study's oldest images go. Default the highest it takes
   * (500 studies, 1024 MiB a study); more studies than that in one run would lose objects.
   */
  maxStudies?: number;
  maxBytesPerStudy?: string;
}

/** What became of one C-STORE request dcmqrscp received, from its log. */
export type StoreOutcome =
  /** Stored and indexed, and the response went out: the PACS keeps it (until a later store of the same UID replaces it). */
  | 'kept'
  /** Stored and indexed, but the response could not be sent (the caller was gone): dcmqrscp deleted the file again. */
  | 'rolled back'
  /** Answered with a failure status. */
  | 'refused'
  /** The data set never arrived complete (the caller died mid-transfer): nothing stored. */
  | 'incomplete';

export interface StoreRequest {
  sopInstanceUid: string;
  /** The dcmqrscp child (one per association) that received it. */
  pid: number;
  outcome: StoreOutcome;
}

/** A running DCMTK dcmqrscp: stores C-STOREs in its index and answers C-FIND (Study Root). */
export interface Dcmqrscp {
  aeTitle: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** Everything dcmqrscp and its forked children logged so far, each message line tagged `@@<pid> <LEVEL>:`. */
  output(): string;
  /** Every C-STORE request received, in order, with its outcome: a re-delivery appears twice. */
  storeRequests(): StoreRequest[];
  stop(): Promise<void>;
}

/** dcmqrscp's configuration file for one storage area (see dcmqrcnf.txt). */
export function dcmqrscpConfig(o: { port: number; aeTitle: string; dir: string; peers?: QrPeer[]; maxStudies: number; maxBytesPerStudy: string }): string {
  const hosts = (o.peers ?? []).map((p, i) => `peer${i} = (${p.aeTitle}, ${p.host ?? '127.0.0.1'}, ${p.port ?? 104})`);
  const access = hosts.length > 0 ? 'allowed' : 'ANY';
  return [
    `NetworkTCPPort = ${o.port}`,
    'MaxPDUSize = 65536',
    'MaxAssociations = 64',
    'HostTable BEGIN',
    ...hosts,
    ...(hosts.length > 0 ? [`allowed = ${hosts.map((_, i) => `peer${i}`).join(', ')}`] : []),
    'HostTable END',
    'VendorTable BEGIN',
    'VendorTable END',
    'AETable BEGIN',
    `${o.aeTitle} ${o.dir} RW (${o.maxStudies}, ${o.maxBytesPerStudy}) ${access}`,
    'AETable END',
    '',
  ].join('\n');
}

/** Every log line carries the process id: forked children write to the same pipe at once. */
const LOG_CONFIG = [
  'log4cplus.rootLogger = INFO, console',
  'log4cplus.appender.console = log4cplus::ConsoleAppender',
  'log4cplus.appender.console.ImmediateFlush = true',
  'log4cplus.appender.console.layout = log4cplus::PatternLayout',
  'log4cplus.appender.console.layout.ConversionPattern = @@%i %p: %m%n',
  '',
].join('\n');

/**
 * C-STORE requests and their outcomes from dcmqrscp's log. Per child: the request's dump, then
 * (data set complete) the response's dump with its status, then "Store SCP Failed" where the
 * data set broke off or the response could not be sent — dcmqrscp then deletes the file and
 * prunes its index (dcmqrsrv.cc, storeSCP).
 */
export function parseStoreLog(log: string): StoreRequest[] {
  const requests: StoreRequest[] = [];
  const current = new Map<number, { message?: 'rq' | 'rsp'; request?: StoreRequest }>();
  for (const line of log.split('\n')) {
    const m = /^@@(\d+) \w+: (.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const text = m[2]!;
    const state = current.get(pid) ?? {};
    current.set(pid, state);
    if (/Message Type\s+: C-STORE RQ/.test(text)) state.message = 'rq';
    else if (/Message Type\s+: C-STORE RSP/.test(text)) state.message = 'rsp';
    else if (/Message Type\s+:/.test(text)) state.message = undefined;
    else if (state.message === 'rq' && /Affected SOP Instance UID\s+:/.test(text)) {
      state.request = { sopInstanceUid: text.split(':').pop()!.trim(), pid, outcome: 'incomplete' };
      requests.push(state.request);
    } else if (state.message === 'rsp' && state.request && /DIMSE Status\s+:/.test(text)) {
      const status = Number.parseInt(/0x([0-9a-f]{4})/i.exec(text)?.[1] ?? 'ffff', 16);
      // Success, or a warning (0xB000, 0xB006, 0xB007): stored.
      state.request.outcome = status === 0 || (status & 0xf000) === 0xb000 ? 'kept' : 'refused';
    } else if (/Store SCP Failed/.test(text) && state.request) {
      if (state.request.outcome === 'kept') state.request.outcome = 'rolled back';
      state.request = undefined;
    }
  }
  return requests;
}

/**
 * Starts `dcmqrscp -c <config> <port>` on 127.0.0.1 and a free port, in its default forking mode
 * (one child per association, as in production; `--single-process` would serialise the peers), with
 * one read-write storage area `dir` for `aeTitle`. Host names are not looked up, so a peer's host
 * is its address. The config and log config files lie next to `dir`.
 */
export async function startDcmqrscp(opts: DcmqrscpOptions): Promise<Dcmqrscp> {
  mkdirSync(opts.dir, { recursive: true });
  const port = await freePort();
  const aeTitle = opts.aeTitle ?? 'PACSQR';
  const config = join(dirname(opts.dir), `dcmqrscp-${port}.cfg`);
  const logConfig = join(dirname(opts.dir), `dcmqrscp-${port}-log.cfg`);
  writeFileSync(
    config,
    dcmqrscpConfig({ port, aeTitle, dir: opts.dir, peers: opts.peers, maxStudies: opts.maxStudies ?? 500, maxBytesPerStudy: opts.maxBytesPerStudy ?? '1024mb' }),
  );
  writeFileSync(logConfig, LOG_CONFIG);
  const server = await startDcmtkServer('dcmqrscp', ['-lc', logConfig, '-dhl', '-c', config, String(port)], port);
  return { aeTitle, port, dir: opts.dir, ...server, storeRequests: () => parseStoreLog(server.output()) };
}
