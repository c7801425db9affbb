import { isTransientFailure, statusCategory } from '../dicom/status.js';
import { PermanentTransportError, isNodeError } from '../shared/errors.js';
import type { ScuStoreOutcome } from '../net/scu-outcome.js';

/** What a delivery attempt means for the queue. */
export type DeliveryVerdict = 'delivered' | 'retry' | 'dead';

/**
 * Classifies one item's outcome. Success and warning statuses mean stored (PS3.4 B.2.3: warnings
 * are coercions or discarded elements, the object is kept). Failures are retried when
 * `isTransientFailure` says a later attempt may succeed (0xA7xx out of resources, 0x0110 processing
 * failure); other failures (0xA9xx, 0xCxxx, 0x0122, 0x0124…) go to the dead state. No status at
 * all (connection lost) is retried unless the transport marked it permanent.
 */
export function classifyOutcome(outcome: ScuStoreOutcome): DeliveryVerdict {
  if (outcome.status !== undefined) {
    const category = statusCategory(outcome.status);
    if (category !== 'failure') return 'delivered';
    return isTransientFailure(outcome.status) ? 'retry' : 'dead';
  }
  return outcome.permanent ? 'dead' : 'retry';
}

/** Classifies an error thrown by a transport for a whole batch. */
export function classifyError(err: unknown): Exclude<DeliveryVerdict, 'delivered'> {
  if (err instanceof PermanentTransportError) return 'dead';
  if (isNodeError(err) && err.dimseStatus !== undefined && !isTransientFailure(err.dimseStatus)) return 'dead';
  return 'retry';
}
