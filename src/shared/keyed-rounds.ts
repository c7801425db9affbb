import { errorMessage } from './errors.js';
import type { Logger } from './log.js';

/** What one key's round claimed and started. */
export interface StartedRound {
  /** Items claimed. */
  count: number;
  /** Settles when the round is over; it must not reject (the round logs its own failure). */
  done: Promise<void>;
  /** The claim hit its limit: more may be due for this key, so its next round starts at once. */
  full?: boolean;
}

export interface KeyedRoundsOptions {
  /** The keys to serve (destinations, alert channels), read afresh for every round. */
  keys: () => Iterable<string>;
  /** Claims what is due for a key and starts sending it; undefined when nothing is due. */
  startRound: (key: string) => StartedRound | undefined;
  /** How often to look for due work when nobody kicks. */
  pollMs: number;
  log: Logger;
  /** Names the loop in the log line of a failed round ("delivery round"). */
  what: string;
  /** The timer does not keep the process alive. */
  unref?: boolean;
}

/**
 * A polling loop over independent keys: every `pollMs`, and whenever it is kicked, each key that
 * is not busy gets a round. A key's round never waits for another key's, so a slow or
 * unreachable destination holds up only itself.
 */
export class KeyedRounds {
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly opts: KeyedRoundsOptions) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops polling and waits for the rounds in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.settled();
  }

  /** Starts a round now on every idle key (new work was queued), then polls on. */
  kick(): void {
    if (this.stopped) return;
    try {
      this.launch();
    } catch (err) {
      this.opts.log.error({ err: errorMessage(err) }, `${this.opts.what} failed`);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.opts.pollMs);
    if (this.opts.unref) this.timer.unref();
  }

  /** One round on every idle key, awaited: the number of items attempted. */
  async runOnce(): Promise<number> {
    const started = this.launch();
    await Promise.all(started.map((r) => r.done));
    return started.reduce((n, r) => n + r.count, 0);
  }

  /** Waits for the rounds in progress. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.busy.values()]);
  }

  private launch(): StartedRound[] {
    const started: StartedRound[] = [];
    for (const key of this.opts.keys()) {
      if (this.busy.has(key)) continue;
      const round = this.opts.startRound(key);
      if (!round) continue;
      const done = round.done.finally(() => {
        this.busy.delete(key);
        if (round.full) this.kick();
      });
      this.busy.set(key, done);
      started.push({ ...round, done });
    }
    return started;
  }
}
