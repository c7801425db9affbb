/** Retry spacing for deliveries: exponential growth from `initialMs`, capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /**
   * `none`: exact delays (tests, predictable ops); `full`: uniform in [0, delay]; `equal`: uniform in
   * [delay/2, delay] — spreads retries of many deliveries so a recovering PACS is not hit at once.
   */
  jitter?: 'none' | 'full' | 'equal';
}

/**
 * Delay before retry number `attempt` (1 = the retry after the first failure). Pure: `random`
 * is injected so tests can fix it.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (!Number.isFinite(attempt) || attempt < 1) attempt = 1;
  const factor = policy.factor ?? 2;
  const initial = Math.max(0, policy.initialMs);
  const cap = Math.max(initial, policy.maxMs);
  // Stop growing once the cap is reached, so large attempt counts never overflow to Infinity.
  let delay = initial;
  for (let i = 1; i < attempt && delay < cap; i++) delay *= factor;
  delay = Math.min(delay, cap);
  switch (policy.jitter ?? 'none') {
    case 'full':
      return Math.round(random() * delay);
    case 'equal':
      return Math.round(delay / 2 + random() * (delay / 2));
    default:
      return Math.round(delay);
  }
}
