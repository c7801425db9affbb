import type { Db } from './database.js';
import { enqueueDeliveries } from './delivery-producer.js';
import { listBySeries } from './instances.js';
import { createJob, type JobRow } from './jobs.js';

export interface ForwardRequest {
  seriesUid: string;
  studyUid: string;
  ruleName: string;
  destinations: readonly string[];
}

/**
 * Records that a completed series is forwarded untouched: a `forward` job (done at once) and, in
 * the same transaction, one delivery per destination and original object — every current copy the
 * node stored, the ones it cannot decode (video…) included, never its own output or a replaced
 * copy. The files go out from the spool as received. Enqueueing is idempotent per destination and
 * SOP Instance UID, so a late arrival forwards only what is new (or was re-sent with other bytes).
 * `queued`: deliveries this call added or re-opened (not those already waiting).
 */
export function enqueueForwarding(db: Db, req: ForwardRequest, now = Date.now()): { job: JobRow; queued: number } {
  return db.transaction(() => {
    const job = createJob(db, { kind: 'forward', seriesUid: req.seriesUid, studyUid: req.studyUid, ruleName: req.ruleName, action: { forward: req.destinations } }, now);
    const originals = [...listBySeries(db, req.seriesUid, 'stored'), ...listBySeries(db, req.seriesUid, 'unprocessable')];
    const queued = enqueueDeliveries(db, { objects: originals, destinations: req.destinations, jobId: job.id, forwarded: true }, now);
    return { job, queued };
  })();
}
