import type { Db } from '../provenance/database.js';
import { countDeliveriesByState } from '../provenance/deliveries.js';
import { countJobsByState } from '../provenance/jobs.js';

/** Work waiting in the durable queues: jobs pending or running, deliveries pending or sending. */
export function queueDepth(db: Db): number {
  const jobs = countJobsByState(db);
  const deliveries = countDeliveriesByState(db);
  return (jobs.pending ?? 0) + (jobs.running ?? 0) + deliveries.pending + deliveries.sending;
}

/**
 * limits.maxQueueDepth: while the queues hold this much work, new associations get a transient
 * reject and C-STOREs 0xA700, so a node that cannot keep up pushes back instead of growing its
 * backlog without bound. The count is cached briefly: it is asked once per association and C-STORE.
 */
export class QueueGuard {
  private cached?: { at: number; depth: number };

  constructor(
    private readonly db: Db,
    private readonly maxDepth: () => number,
    private readonly ttlMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  depth(): number {
    const t = this.now();
    if (!this.cached || t - this.cached.at >= this.ttlMs) this.cached = { at: t, depth: queueDepth(this.db) };
    return this.cached.depth;
  }

  full(): boolean {
    return this.depth() >= this.maxDepth();
  }
}
