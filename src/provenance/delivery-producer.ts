import type { Db } from './database.js';
import { enqueueDelivery, type NewDelivery } from './deliveries.js';

/** An object as the spool holds it, ready to go out: a derived object or a received original. */
export type DeliverableObject = Pick<NewDelivery, 'sopInstanceUid' | 'sopClassUid' | 'transferSyntaxUid' | 'seriesUid' | 'path'>;

export interface DeliveryBatch {
  objects: readonly DeliverableObject[];
  destinations: readonly string[];
  /** The job that produced the objects, or forwards them. */
  jobId: number;
  /** Originals forwarded untouched: sent only in their own transfer syntax (see DeliveryRow.forwarded). */
  forwarded?: boolean;
}

/**
 * The one producer of the export queue, for a job's derived objects and for forwarded originals:
 * every object for every destination, in one transaction, so a crash queues all of them or none.
 * Each pair goes through enqueueDelivery, so queueing is idempotent per destination and SOP
 * Instance UID. Returns how many deliveries this call added or re-opened (not those already queued).
 */
export function enqueueDeliveries(db: Db, batch: DeliveryBatch, now: number): number {
  return db.transaction(() => {
    let queued = 0;
    for (const destination of batch.destinations) {
      for (const o of batch.objects) {
        const { created, resent } = enqueueDelivery(
          db,
          {
            destination,
            sopInstanceUid: o.sopInstanceUid,
            sopClassUid: o.sopClassUid,
            transferSyntaxUid: o.transferSyntaxUid,
            seriesUid: o.seriesUid,
            path: o.path,
            jobId: batch.jobId,
            ...(batch.forwarded ? { forwarded: true } : {}),
          },
          now,
        );
        if (created || resent) queued++;
      }
    }
    return queued;
  })();
}
