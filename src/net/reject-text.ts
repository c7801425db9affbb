import { rejectReasonName, rejectResultName, rejectSourceName, type AssociateRejectFields } from './associate-reject.js';

/** Human-readable A-ASSOCIATE-RJ parameters (PS3.8 §9.3.4 Table 9-21). */
export function describeReject(r: AssociateRejectFields): string {
  const result = rejectResultName(r.result) ?? `result ${r.result}`;
  const source = rejectSourceName(r.source) ?? `source ${r.source}`;
  const reason = rejectReasonName(r.source, r.reason) ?? `reason ${r.reason}`;
  return `${result}, ${source}, ${reason}`;
}
