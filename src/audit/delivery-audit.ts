/**
 * Audits exports: deliveries are per instance, the audit is per series and destination. Outcomes
 * of one series to one destination within `windowMs` make one event, so a 500-slice series is one
 * line in the trail and one message to the audit repository, not 500.
 */
import type { AuditEvent } from './audit-event.js';
import { deliveryEvent, type DeliveryBatch } from './transfer-events.js';

export interface DeliveryAuditDeps {
  record: (e: AuditEvent) => void;
  /** The study of a received or derived series; undefined when the node does not know it. */
  studyOfSeries: (seriesUid: string) => string | undefined;
  nodeAeTitle: () => string;
  windowMs?: number;
  now?: () => number;
}

export class DeliveryAudit {
  private readonly open = new Map<string, DeliveryBatch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeliveryAuditDeps) {}

  /** A delivery attempt's verdict (DeliveryWorker onAttempt); retries are not audited, only done and dead. */
  onAttempt(row: { destination: string; seriesUid: string }, verdict: 'delivered' | 'retry' | 'dead', error?: string): void {
    if (verdict === 'retry') return;
    const key = `${verdict}\u0000${row.destination}\u0000${row.seriesUid}`;
    const batch = this.open.get(key) ?? { destination: row.destination, seriesUid: row.seriesUid, verdict, instances: 0 };
    batch.instances += 1;
    if (error !== undefined) batch.lastError = error;
    this.open.set(key, batch);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.deps.windowMs ?? 2000);
      this.timer.unref();
    }
  }

  /** Records every open batch now (on a timer, and when the node stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const at = (this.deps.now ?? Date.now)();
    for (const batch of this.open.values()) {
      const studyUid = this.deps.studyOfSeries(batch.seriesUid);
      this.deps.record(deliveryEvent({ ...batch, ...(studyUid ? { studyUid } : {}) }, this.deps.nodeAeTitle(), at));
    }
    this.open.clear();
  }
}
