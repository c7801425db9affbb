/** Human-readable A-ASSOCIATE-RJ parameters (PS3.8 §9.3.4 Table 9-21). */
export function describeReject(r: { result: number; source: number; reason: number }): string {
  const result = r.result === 1 ? 'rejected-permanent' : r.result === 2 ? 'rejected-transient' : `result ${r.result}`;
  const reasons: Record<number, Record<number, string>> = {
    1: { 1: 'no-reason-given', 2: 'application-context-name-not-supported', 3: 'calling-AE-title-not-recognized', 7: 'called-AE-title-not-recognized' },
    2: { 1: 'no-reason-given', 2: 'protocol-version-not-supported' },
    3: { 1: 'temporary-congestion', 2: 'local-limit-exceeded' },
  };
  const source = r.source === 1 ? 'service-user' : r.source === 2 ? 'service-provider (ACSE)' : r.source === 3 ? 'service-provider (presentation)' : `source ${r.source}`;
  const reason = reasons[r.source]?.[r.reason] ?? `reason ${r.reason}`;
  return `${result}, ${source}, ${reason}`;
}
