/** The result / source / reason fields of an A-ASSOCIATE-RJ. */
export interface AssociateRejectFields {
  result: number;
  source: number;
  reason: number;
}

// PS3.8 Table 9-21 (A-ASSOCIATE-RJ PDU fields): reason names per source.
const REASONS: Record<number, Record<number, string>> = {
  1: { 1: 'no-reason-given', 2: 'application-context-name-not-supported', 3: 'calling-ae-title-not-recognized', 7: 'called-ae-title-not-recognized' },
  2: { 1: 'no-reason-given', 2: 'protocol-version-not-supported' },
  3: { 1: 'temporary-congestion', 2: 'local-limit-exceeded' },
};

/**
 * A bounded metric label for an association reject, from its PS3.8 codes: `permanent:
 * calling-ae-title-not-recognized`, `transient:temporary-congestion`. The free-text `why` names AE
 * titles and hosts, which would make one time series per caller.
 */
export function rejectReasonLabel(r: AssociateRejectFields): string {
  const kind = r.result === 1 ? 'permanent' : r.result === 2 ? 'transient' : `result-${r.result}`;
  return `${kind}:${REASONS[r.source]?.[r.reason] ?? `source-${r.source}-reason-${r.reason}`}`;
}
