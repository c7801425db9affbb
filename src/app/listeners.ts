import type { LoadedConfig } from '../config/load.js';
import { createAllowListPolicy } from '../net/allow-list-policy.js';
import { createScp } from '../net/create-transport.js';
import { join } from 'node:path';
import type { AssociationEvents, ScpTransport, StoreHandler } from '../net/types.js';
import type { Spool } from '../spool/spool.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { ACCEPTED_TRANSFER_SYNTAXES } from '../dicom/transfer-syntax.js';

export interface ListenerDeps {
  receiver: StoreHandler;
  log: Logger;
  recorder(transport: string): AssociationEvents;
  isDiskLow(): boolean;
  isQueueFull?(): boolean;
  inboxDir: string;
  /** limits.maxInstanceMb in bytes: larger data sets are never held in memory whole. */
  maxInstanceBytes?: number;
  /** A listener failed to start, or its server failed or closed while running (alerts). */
  onListenerDown?(listener: { name: string; aeTitle: string; host: string; port: number }, error: Error): void;
}

/** Starts one SCP per configured listener, each with its default-deny allow-list policy. */
export async function createListeners(config: LoadedConfig, deps: ListenerDeps): Promise<ScpTransport[]> {
  const policy = createAllowListPolicy({
    listeners: config.listeners.map((l) => ({
      listener: l.name,
      aeTitle: l.aeTitle,
      allow: l.allow.map((a) => ({ aeTitle: a.aeTitle, hosts: a.hosts ? [...a.hosts] : undefined })),
      maxAssociations: l.maxAssociations,
    })),
    isDiskLow: deps.isDiskLow,
    isQueueFull: deps.isQueueFull,
  });
  // DCMTK reads TCP_NODELAY from the environment; without it Nagle's algorithm stalls every
  // C-STORE response ~40 ms behind the peer's delayed ACK (measured: 21 vs 108 instances/s).
  if (config.listeners.some((l) => l.transport === 'dicom-dimse-native')) process.env.TCP_NODELAY ??= '1';
  const started: ScpTransport[] = [];
  try {
    for (const l of config.listeners) {
      const options = {
        name: l.name,
        aeTitle: l.aeTitle,
        host: l.host,
        port: l.port,
        maxPduLength: l.maxPduLength,
        maxAssociations: l.maxAssociations,
        tls: l.tls ? { cert: l.tls.cert, key: l.tls.key, ca: l.tls.ca, requestClientCert: l.tls.requireClientCert } : undefined,
        acceptedTransferSyntaxes: [...ACCEPTED_TRANSFER_SYNTAXES],
      };
      const scp = createScp(l.transport, options, {
        policy,
        handler: deps.receiver,
        events: deps.recorder(l.transport),
        log: deps.log.child({ stage: 'receive' }),
        idleTimeoutMs: l.idleTimeoutSeconds * 1000,
        maxDatasetBytes: deps.maxInstanceBytes,
        // The DCMTK listener writes files itself into its own inbox folder in the spool, adopted by
        // the adapter; it cannot refuse callers, so it runs only where the allow list says `*`.
        nativeInboxDir: join(deps.inboxDir, l.name),
        nativeAllowAnyCaller: l.allow.some((a) => a.aeTitle === '*' && !a.hosts),
        onListenerError: (err) => deps.onListenerDown?.(l, err),
      });
      try {
        await scp.start();
      } catch (err) {
        deps.onListenerDown?.(l, err instanceof Error ? err : new Error(errorMessage(err)));
        throw err;
      }
      started.push(scp);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    throw err;
  }
  return started;
}

/**
 * Disk-pressure guard: polls the spool's free space, so the association policy (synchronous) can
 * refuse new associations with a transient reject before the disk fills.
 */
export class DiskGuard {
  low = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly spool: Spool,
    private readonly minFreeBytes: number,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
    /** Called when the state changes (alerts), with the free space measured. */
    private readonly onChange?: (low: boolean, freeBytes: number, minFreeBytes: number) => void,
  ) {}

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    try {
      const { freeBytes } = await this.spool.diskFree();
      const low = freeBytes < this.minFreeBytes;
      const changed = low !== this.low;
      if (changed) this.log[low ? 'warn' : 'info']({ freeBytes, minFreeBytes: this.minFreeBytes }, low ? 'disk space low: refusing new associations' : 'disk space recovered');
      this.low = low;
      if (changed) this.onChange?.(low, freeBytes, this.minFreeBytes);
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'cannot read free disk space');
    }
  }
}
