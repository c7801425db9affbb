/**
 * Gate failures a preset is known to have, committed with the reason (eval/results/
 * gate-known-failures.json), so the CI gate stays strict everywhere else: a failure not on the list
 * fails the build, and so does a listed one that no longer happens (the list must shrink as the
 * engine improves). A failure of the UniMIE label check (the network's measured contribution) can
 * never be listed: the label must always follow the measurement. Pure.
 */

export interface KnownFailures {
  /** Why these failures are accepted for now, and what would fix them. */
  reason: string;
  /** Failure keys (failureKey) of the gate's failure messages. */
  failures: string[];
}

/** A gate failure message with its figures replaced by `#`: stable across runs and thresholds. */
export function failureKey(message: string): string {
  return message.replace(/-?\d+(\.\d+)?/g, '#');
}

/** The preset a failure message is about (its first word). */
export function failurePreset(message: string): string {
  return message.split(/[\s:]/, 1)[0]!;
}

export interface KnownFailureCheck {
  /** Failures the list does not know: the build fails. */
  unexpected: string[];
  /** Listed failures that no longer happen: remove them from the list. */
  fixed: string[];
  /** Listed failures of the UniMIE label check: not allowed. */
  labelFailures: string[];
}

/** Whether a failure is the gate's check of the UniMIE label against the measured contribution. */
export function isLabelFailure(key: string): boolean {
  return key.includes('network contribution');
}

export function checkKnownFailures(failures: readonly string[], known: KnownFailures): KnownFailureCheck {
  const keys = new Set(failures.map(failureKey));
  const listed = new Set(known.failures);
  return {
    unexpected: failures.filter((f) => !listed.has(failureKey(f))),
    fixed: known.failures.filter((k) => !keys.has(k)),
    labelFailures: known.failures.filter(isLabelFailure),
  };
}
