import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResolvedAlerts } from '../config/resolve-alerts.js';
import type { Db } from '../provenance/database.js';
import {
  addAlertSuppressed,
  dueAlerts,
  getAlertRepeat,
  insertAlert,
  markAlertFailed,
  markAlertRaised,
  markAlertSent,
  pruneAlerts,
  type AlertRow,
} from '../provenance/alerts.js';
import { backoffDelay } from '../export/backoff.js';
import { errorMessage } from '../shared/errors.js';
import { KeyedRounds, type StartedRound } from '../shared/keyed-rounds.js';
import type { Logger } from '../shared/log.js';
import { mergeAlerts, repeatKey, type AlertEvent } from './alert-event.js';
import { alertPayload, type AlertPayload } from './alert-payload.js';
import { sendAlert } from './alert-channels.js';
import { repeatDecision } from './repeat-window.js';

export type AlertOutcome = 'sent' | 'retry' | 'dead';

export interface AlerterDeps {
  db: Db;
  /** The live `alerts:` section (a reload changes channels from the next send on). */
  settings: () => ResolvedAlerts;
  /** The node's AE title, named in every alert. */
  node: () => string;
  log: Logger;
  now?: () => number;
  random?: () => number;
  /** How often to look for due alerts (default 1000 ms). */
  pollMs?: number;
  /** Raises of one repeat key this close together become one alert (default 1000 ms). */
  coalesceMs?: number;
  /** Sent and dead alerts older than this are dropped at start (default 30 days). */
  keepMs?: number;
  send?: typeof sendAlert;
  onOutcome?: (channel: string, outcome: AlertOutcome) => void;
  onSuppressed?: (event: AlertEvent['type'], count: number) => void;
}

/**
 * Raises alerts and sends them. `raise` never throws and never waits: the alert is merged with
 * others of its repeat key for a moment, checked against the repeat window and stored (one row
 * per channel that wants the event) in the provenance database; a background loop sends due rows,
 * one channel at a time each, and retries a failed one with exponential backoff until
 * `alerts.maxAttempts`. A receiver that is down never blocks the node; alerts survive a restart.
 */
export class Alerter {
  private readonly pending = new Map<string, AlertEvent>();
  private readonly rounds: KeyedRounds;
  private coalesceTimer?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly host = hostname();

  constructor(private readonly deps: AlerterDeps) {
    this.now = deps.now ?? Date.now;
    this.rounds = new KeyedRounds({
      keys: () => (this.deps.db.open ? Object.keys(this.deps.settings().channels) : []),
      startRound: (channel) => this.startRound(channel),
      pollMs: deps.pollMs ?? 1000,
      log: deps.log,
      what: 'alert round',
      unref: true,
    });
  }

  start(): void {
    if (this.rounds.running) return;
    try {
      const dropped = pruneAlerts(this.deps.db, this.now() - (this.deps.keepMs ?? 30 * 86_400_000));
      if (dropped > 0) this.deps.log.debug({ alerts: dropped }, 'old alerts dropped');
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'cannot prune alerts');
    }
    this.rounds.start();
  }

  /** Stops the loop after storing the alerts still being merged and waiting for sends in flight. */
  async stop(): Promise<void> {
    this.store();
    await this.rounds.stop();
  }

  raise(event: AlertEvent): void {
    try {
      if (Object.keys(this.deps.settings().channels).length === 0) return;
      const key = repeatKey(event);
      const prev = this.pending.get(key);
      this.pending.set(key, prev ? mergeAlerts(prev, event) : event);
      this.coalesceTimer ??= setTimeout(() => {
        this.store();
        this.rounds.kick();
      }, this.deps.coalesceMs ?? 1000);
      this.coalesceTimer.unref();
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), event: event.type }, 'cannot raise an alert');
    }
  }

  /**
   * Stores what is being merged and sends what is due, waiting up to `timeoutMs` (before the node
   * exits on a fatal error, so the alert about it leaves first).
   */
  async flush(timeoutMs: number): Promise<void> {
    this.store();
    const deadline = this.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const rounds = (async () => {
      while (this.now() < deadline && (await this.runOnce()) > 0);
    })();
    await Promise.race([rounds, timeout]);
    clearTimeout(timer);
  }

  /** One round on every channel (after the rounds in progress), awaited: the number of alerts attempted. */
  async runOnce(): Promise<number> {
    await this.rounds.settled();
    return this.rounds.runOnce();
  }

  /** Moves the merged alerts into the database, each through its repeat window. */
  private store(): void {
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
    const events = [...this.pending.values()];
    this.pending.clear();
    const { db } = this.deps;
    for (const event of events) {
      try {
        if (!db.open) return;
        const settings = this.deps.settings();
        const channels = Object.values(settings.channels).filter((c) => c.events.includes(event.type));
        if (channels.length === 0) continue;
        const key = repeatKey(event);
        const now = this.now();
        db.transaction(() => {
          const decision = repeatDecision(getAlertRepeat(db, key), now, settings.repeatSeconds * 1000);
          if (!decision.send) {
            addAlertSuppressed(db, key, event.count);
            this.deps.onSuppressed?.(event.type, event.count);
            this.deps.log.info({ event: event.type, subject: event.subject, count: event.count }, 'alert held back: raised again within alerts.repeatSeconds');
            return;
          }
          markAlertRaised(db, key, now);
          const payload = alertPayload(event, { id: randomUUID(), node: this.deps.node(), host: this.host, time: now, suppressed: decision.suppressedBefore });
          for (const c of channels) insertAlert(db, { channel: c.name, event: event.type, payload }, now);
          this.deps.log.info({ event: event.type, subject: event.subject, channels: channels.map((c) => c.name) }, 'alert raised');
        })();
      } catch (err) {
        this.deps.log.error({ err: errorMessage(err), event: event.type }, 'cannot store an alert');
      }
    }
  }

  /** Claims the channel's due alerts and starts sending them. */
  private startRound(channel: string): StartedRound | undefined {
    const rows = dueAlerts(this.deps.db, channel, this.now(), 20);
    if (rows.length === 0) return undefined;
    const done = this.sendRows(channel, rows).catch((err: unknown) => this.deps.log.error({ channel, err: errorMessage(err) }, 'alert round failed'));
    return { count: rows.length, done };
  }

  /** In order; the first failure ends the round (the receiver is likely down for the rest too). */
  private async sendRows(name: string, rows: AlertRow[]): Promise<void> {
    const send = this.deps.send ?? sendAlert;
    for (const row of rows) {
      const channel = this.deps.settings().channels[name];
      if (!channel || !this.deps.db.open) return;
      try {
        await send(channel, JSON.parse(row.payloadJson) as AlertPayload);
      } catch (err) {
        if (!this.deps.db.open) return;
        const settings = this.deps.settings();
        const state = markAlertFailed(this.deps.db, row.id, {
          now: this.now(),
          error: errorMessage(err),
          maxAttempts: settings.maxAttempts,
          retryDelayMs: (attempts) =>
            backoffDelay(attempts, { initialMs: settings.backoff.initialSeconds * 1000, maxMs: settings.backoff.maxSeconds * 1000, jitter: 'equal' }, this.deps.random),
        });
        this.deps.log[state === 'dead' ? 'error' : 'warn'](
          { channel: name, event: row.event, alertId: row.id, attempts: row.attempts + 1, err: errorMessage(err) },
          state === 'dead' ? 'alert dead: no attempt left' : 'alert not sent, will retry',
        );
        this.deps.onOutcome?.(name, state === 'dead' ? 'dead' : 'retry');
        return;
      }
      if (!this.deps.db.open) return;
      markAlertSent(this.deps.db, row.id, this.now());
      this.deps.log.info({ channel: name, event: row.event, alertId: row.id }, 'alert sent');
      this.deps.onOutcome?.(name, 'sent');
    }
  }
}
