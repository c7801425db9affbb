/**
 * Sends the audit trail to the audit repository named by `audit.syslog` (IHE ATNA): each event as a
 * DICOM audit message (PS3.15 A.5) in an RFC 5424 syslog message.
 *
 * Events are read from the append-only table in order and marked forwarded only once the
 * collector's connection took them (stream: the write callback; UDP: the datagram was sent), so
 * none is lost when the collector is away: they wait in the database and go out after the
 * reconnect, oldest first. A crash between sending and marking sends that batch again (at least
 * once). Syslog has no application-level acknowledgement: a batch the kernel accepted just before
 * the collector died can still be lost in transit (RFC 5425 section 4.3 leaves this to the transport).
 */
import type { Db } from '../provenance/database.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { markAuditForwarded, unforwardedAudit, type AuditRow } from './audit-log.js';
import { dicomAuditMessage, type AuditSource } from './dicom-audit-message.js';
import { SyslogSender, type SyslogTarget } from './syslog-sender.js';
import { AUDIT_MSGID, syslogMessage } from './syslog-message.js';

export interface AuditForwarderSettings extends SyslogTarget {
  facility: number;
  appName: string;
}

export interface AuditForwarderDeps {
  db: Db;
  /** The current `audit.syslog` (config reloads apply at the next batch); undefined = not forwarding. */
  settings: () => AuditForwarderSettings | undefined;
  source: () => AuditSource;
  log: Logger;
  pollMs?: number;
  batchSize?: number;
  /** Longest wait between tries while the collector cannot be reached. */
  maxBackoffMs?: number;
  now?: () => number;
}

/** RFC 5424 severity of an event: notice for a success, warning for any failure. */
export function auditSeverity(outcome: number): number {
  return outcome === 0 ? 5 : 4;
}

/** The syslog message of one stored event. */
export function auditSyslogMessage(row: AuditRow, s: AuditForwarderSettings, source: AuditSource): Buffer {
  return syslogMessage(
    { facility: s.facility, severity: auditSeverity(row.outcome), timestamp: new Date(row.at), hostname: source.host, appName: s.appName, procId: String(source.processId), msgId: AUDIT_MSGID },
    dicomAuditMessage(row, source),
  );
}

export class AuditForwarder {
  private readonly deps: AuditForwarderDeps;
  private sender: SyslogSender | undefined;
  private senderKey = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failures = 0;

  constructor(deps: AuditForwarderDeps) {
    this.deps = deps;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stops after the batch in flight, or after 2 s closes the connection under it (a collector that
   * stopped reading must not hold the node's shutdown); what was not sent stays in the database.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.sender?.close();
    await this.running;
    this.sender = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().then((next) => {
        this.running = undefined;
        this.schedule(next);
      });
    }, ms);
    this.timer.unref();
  }

  /** Sends what is waiting; the delay before the next tick. */
  private async tick(): Promise<number> {
    const pollMs = this.deps.pollMs ?? 1000;
    const settings = this.deps.settings();
    if (!settings) {
      this.sender?.close();
      this.sender = undefined;
      return pollMs;
    }
    const sender = this.senderFor(settings);
    const batchSize = this.deps.batchSize ?? 100;
    try {
      for (;;) {
        const rows = unforwardedAudit(this.deps.db, batchSize);
        if (rows.length === 0) break;
        const source = this.deps.source();
        await sender.send(rows.map((r) => auditSyslogMessage(r, settings, source)));
        markAuditForwarded(this.deps.db, rows.map((r) => r.id), (this.deps.now ?? Date.now)());
        if (this.failures > 0) this.deps.log.info({ collector: `${settings.host}:${settings.port}`, afterFailures: this.failures }, 'audit repository reachable again');
        this.failures = 0;
        if (rows.length < batchSize || this.stopped) break;
      }
      return pollMs;
    } catch (err) {
      this.failures += 1;
      const backoff = Math.min(pollMs * 2 ** Math.min(this.failures - 1, 10), this.deps.maxBackoffMs ?? 60_000);
      // One warning per outage, then quieter: the events wait in the database.
      const level = this.failures === 1 ? 'warn' : 'debug';
      this.deps.log[level]({ collector: `${settings.host}:${settings.port}`, protocol: settings.protocol, err: errorMessage(err), retryInMs: backoff }, 'audit repository not reachable; events kept for later');
      return backoff;
    }
  }

  private senderFor(s: AuditForwarderSettings): SyslogSender {
    const key = JSON.stringify([s.host, s.port, s.protocol, s.tls]);
    if (!this.sender || key !== this.senderKey) {
      this.sender?.close();
      this.sender = new SyslogSender({ host: s.host, port: s.port, protocol: s.protocol, ...(s.tls ? { tls: s.tls } : {}) });
      this.senderKey = key;
    }
    return this.sender;
  }
}
