import { rejectReasonName, RejectResult, type AssociateRejectFields } from '../net/associate-reject.js';

export type { AssociateRejectFields };

/**
 * A bounded metric label for an association reject, from its PS3.8 codes: `permanent:
 * calling-ae-title-not-recognized`, `transient:temporary-congestion`. The free-text `why` names AE
 * titles and hosts, which would make one time series per caller.
 */
export function rejectReasonLabel(r: AssociateRejectFields): string {
  const kind = r.result === RejectResult.Permanent ? 'permanent' : r.result === RejectResult.Transient ? 'transient' : `result-${r.result}`;
  return `${kind}:${rejectReasonName(r.source, r.reason)?.toLowerCase() ?? `source-${r.source}-reason-${r.reason}`}`;
}
