import type { Db } from '../provenance/database.js';
import {
  claimDueDeliveries,
  clearDeliveryDoubt,
  markDeliveryFoundAtDestination,
  markDeliveryDone,
  markDeliveryFailed,
  resetInterruptedDeliveries,
  type DeliveryRow,
} from '../provenance/deliveries.js';
import type { Logger } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';
import { KeyedRounds, type StartedRound } from '../shared/keyed-rounds.js';
import { formatStatus } from '../dicom/status.js';
import { backoffDelay } from './backoff.js';
import type { DestinationCommon } from './destination.js';
import { classifyError, classifyOutcome } from './failure-class.js';
import type { Transport } from './transport.js';
import type { ScuStoreOutcome } from '../net/scu-outcome.js';

export interface DeliveryRoute {
  transport: Transport<DestinationCommon>;
  destination: DestinationCommon;
}

export interface DeliveryWorkerDeps {
  db: Db;
  /** By destination name. Rows for names not listed here are left pending. */
  transports: Record<string, DeliveryRoute>;
  log: Logger;
  /** How often to look for due deliveries when nobody kicks the worker. */
  pollMs: number;
  now?: () => number;
  random?: () => number;
  /** Rows claimed per round (default 200). */
  batchSize?: number;
  /** Notified after each recorded attempt (metrics, alerts); `error` is set on a failed one. */
  onAttempt?: (row: DeliveryRow, verdict: 'delivered' | 'retry' | 'dead', error?: string) => void;
}

/**
 * Sends due deliveries: claims them (`pending` → `sending`), groups them by destination, transfer
 * syntax and whether they are forwarded originals, hands each group to the destination's transport
 * and records every item's outcome. A success is recorded right after its response (the transport
 * reports each as it arrives), and
 * only `pending` rows are ever claimed, so a SOP delivered once is never sent again; a crash can
 * re-send only the one object whose response had not been recorded yet. Each destination is served on its own: a slow or unreachable
 * destination never holds up the others.
 */
export class DeliveryWorker {
  private readonly rounds: KeyedRounds;
  private readonly now: () => number;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.rounds = new KeyedRounds({
      keys: () => Object.keys(this.deps.transports),
      startRound: (name) => this.startRound(name),
      pollMs: deps.pollMs,
      log: deps.log,
      what: 'delivery round',
    });
  }

  /** Recovers rows a previous process left in `sending`, then starts polling. */
  start(): void {
    if (this.rounds.running) return;
    const reset = resetInterruptedDeliveries(this.deps.db, this.now());
    if (reset > 0) this.deps.log.warn({ deliveries: reset }, 'deliveries interrupted by a restart are pending again');
    this.rounds.start();
  }

  /** Stops polling and waits for the sends in progress. */
  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** Looks for due deliveries now (new ones were queued) on every idle destination. */
  kick(): void {
    this.rounds.kick();
  }

  /** One round on every idle destination, awaited: returns the number of deliveries attempted. */
  async runOnce(): Promise<number> {
    return this.rounds.runOnce();
  }

  /** Claims a batch for a destination and starts sending it. */
  private startRound(name: string): StartedRound | undefined {
    const route = this.deps.transports[name];
    if (!route) return undefined;
    const batch = this.deps.batchSize ?? 200;
    const rows = claimDueDeliveries(this.deps.db, { now: this.now(), limit: batch, destinations: [name] });
    if (rows.length === 0) return undefined;
    const done = this.sendToDestination(route, rows).catch((err: unknown) =>
      this.deps.log.error({ destination: name, err: errorMessage(err) }, 'delivery batch failed'),
    );
    return { count: rows.length, done, full: rows.length >= batch };
  }

  private async sendToDestination(route: DeliveryRoute, rows: DeliveryRow[]): Promise<void> {
    // Forwarded originals apart from derived objects: they go out only in their own syntax.
    const groups = new Map<string, DeliveryRow[]>();
    for (const r of rows) {
      const key = `${r.transferSyntaxUid}${r.forwarded ? ' forwarded' : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) await this.sendGroup(route, group);
  }

  private async sendGroup(route: DeliveryRoute, allRows: DeliveryRow[]): Promise<void> {
    const { destination, transport } = route;
    const log = this.deps.log.child({ destination: destination.name });
    const rows = await this.withoutHeldInDoubt(route, allRows, log);
    if (rows.length === 0) return;
    const items = rows.map((r) => ({
      path: r.path,
      sopClassUid: r.sopClassUid,
      sopInstanceUid: r.sopInstanceUid,
      transferSyntaxUid: r.transferSyntaxUid,
      ...(r.forwarded ? { asStored: true } : {}),
    }));
    // Each success is recorded as its response arrives, not after the whole association: a crash
    // mid-batch then re-sends only the object whose response was in flight.
    const bySop = new Map(rows.map((r) => [r.sopInstanceUid, r]));
    const recorded = new Set<number>();
    const delivered = (r: DeliveryRow, status: number | undefined): void => {
      if (recorded.has(r.id)) return;
      recorded.add(r.id);
      markDeliveryDone(this.deps.db, r.id, { now: this.now(), status });
      log.debug({ sopInstanceUid: r.sopInstanceUid, status: formatStatus(status ?? 0) }, 'delivered');
      this.deps.onAttempt?.(r, 'delivered');
    };
    const onResponse = (o: ScuStoreOutcome): void => {
      const r = bySop.get(o.sopInstanceUid);
      if (!r || classifyOutcome(o) !== 'delivered') return;
      try {
        delivered(r, o.status);
      } catch (err) {
        log.error({ sopInstanceUid: r.sopInstanceUid, err: errorMessage(err) }, 'cannot record a delivery');
      }
    };
    let outcomes;
    try {
      outcomes = await transport.send(destination, items, onResponse);
    } catch (err) {
      const verdict = classifyError(err);
      log.warn({ deliveries: rows.length, verdict, err: errorMessage(err) }, 'delivery batch failed');
      for (const r of rows) this.recordFailure(destination, r, errorMessage(err), undefined, verdict === 'dead');
      return;
    }
    rows.forEach((r, i) => {
      if (recorded.has(r.id)) return;
      const o = outcomes[i];
      if (!o || o.sopInstanceUid !== r.sopInstanceUid) {
        this.recordFailure(destination, r, 'transport returned no outcome for this object', undefined, false);
        return;
      }
      const verdict = classifyOutcome(o);
      if (verdict === 'delivered') {
        delivered(r, o.status);
      } else {
        const why = o.error ?? `C-STORE status ${formatStatus(o.status ?? 0)}`;
        this.recordFailure(destination, r, why, o.status, verdict === 'dead');
      }
    });
  }

  /**
   * Rows in doubt (in flight when a previous process died) that the destination says it holds are
   * recorded as delivered without sending them again; the others go out. A destination that
   * cannot be asked gets them again: at least once.
   */
  private async withoutHeldInDoubt(route: DeliveryRoute, rows: DeliveryRow[], log: Logger): Promise<DeliveryRow[]> {
    const { destination, transport } = route;
    const doubtful = rows.filter((r) => r.inDoubt);
    if (doubtful.length === 0) return rows;
    const verify = destination.verifyInDoubt !== false && transport.holds;
    let held = new Set<string>();
    if (verify) {
      try {
        held = await transport.holds!(destination, doubtful.map((r) => ({ path: r.path, sopClassUid: r.sopClassUid, sopInstanceUid: r.sopInstanceUid, transferSyntaxUid: r.transferSyntaxUid })));
      } catch (err) {
        log.warn({ deliveries: doubtful.length, err: errorMessage(err) }, 'cannot ask the destination what it holds: objects in doubt are sent again');
      }
    }
    for (const r of doubtful) {
      if (held.has(r.sopInstanceUid)) {
        markDeliveryFoundAtDestination(this.deps.db, r.id, this.now());
        log.info({ sopInstanceUid: r.sopInstanceUid, query: transport.holdsQuery }, 'in doubt after a restart and already at the destination: not sent again');
        this.deps.onAttempt?.(r, 'delivered');
      } else {
        clearDeliveryDoubt(this.deps.db, r.id);
        if (verify) log.info({ sopInstanceUid: r.sopInstanceUid }, 'in doubt after a restart and not at the destination: sending');
      }
    }
    return rows.filter((r) => !held.has(r.sopInstanceUid));
  }

  private recordFailure(dest: DestinationCommon, row: DeliveryRow, error: string, status: number | undefined, permanent: boolean): void {
    const state = markDeliveryFailed(this.deps.db, row.id, {
      now: this.now(),
      error,
      status,
      permanent,
      maxAttempts: dest.maxAttempts,
      retryDelayMs: (attempts) => backoffDelay(attempts, dest.backoff, this.deps.random),
    });
    const verdict = state === 'dead' ? 'dead' : 'retry';
    const level = state === 'dead' ? 'error' : 'warn';
    this.deps.log[level](
      { destination: dest.name, sopInstanceUid: row.sopInstanceUid, attempts: row.attempts + 1, state, status: status === undefined ? undefined : formatStatus(status), err: error },
      state === 'dead' ? 'delivery dead' : 'delivery failed, will retry',
    );
    this.deps.onAttempt?.(row, verdict, error);
  }
}
