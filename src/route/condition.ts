import type { DeepReadonly } from '../config/deep-freeze.js';
import type { Condition, ConditionTest } from '../config/types.js';

/** One condition's verdict and the line the dry-run prints for it. */
export interface ConditionResult {
  /** What was tested: `Modality`, `callingAe`, `SeriesDescription (0008,103E)`. */
  subject: string;
  ok: boolean;
  /** `Modality CT equals CT ✓`, `SeriesDescription "Chest" regex /lung/i ✗`. */
  text: string;
}

const regexCache = new Map<string, RegExp>();

function regexOf(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (!re) {
    // Flags g and y are refused by the config loader, so a cached RegExp carries no state.
    re = new RegExp(pattern, flags);
    regexCache.set(key, re);
  }
  return re;
}

function asNumber(v: string | number): number | undefined {
  if (typeof v === 'number') return v;
  const t = v.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** `equals`: numerically when both sides are numbers (DS "5.0" equals 5), else exact string equality. */
function testOne(test: DeepReadonly<ConditionTest>, value: string | number): boolean {
  switch (test.op) {
    case 'equals': {
      const a = asNumber(value);
      const b = asNumber(test.value);
      if (a !== undefined && b !== undefined) return a === b;
      return String(value).trim() === String(test.value).trim();
    }
    case 'regex':
      return regexOf(test.pattern, test.flags).test(String(value));
    case 'range': {
      const n = asNumber(value);
      if (n === undefined) return false;
      return (test.min === undefined || n >= test.min) && (test.max === undefined || n <= test.max);
    }
  }
}

/** Human form of a test: `equals CT`, `regex /lung/i`, `range [1, 3]`, `range [≥ 1]`. */
export function describeTest(test: DeepReadonly<ConditionTest>): string {
  switch (test.op) {
    case 'equals':
      return `equals ${typeof test.value === 'string' ? test.value : String(test.value)}`;
    case 'regex':
      return `regex /${test.pattern}/${test.flags}`;
    case 'range':
      if (test.min !== undefined && test.max !== undefined) return `range [${test.min}, ${test.max}]`;
      return test.min !== undefined ? `range [≥ ${test.min}]` : `range [≤ ${test.max}]`;
  }
}

function describeValues(values: ReadonlyArray<string | number>): string {
  if (values.length === 0) return '(absent)';
  const shown = values.slice(0, 4).map((v) => (typeof v === 'number' ? String(v) : /\s|^$/.test(v) ? JSON.stringify(v) : v));
  return shown.join('\\') + (values.length > 4 ? `\\… (${values.length} values)` : '');
}

/**
 * Evaluates a condition on the values of one attribute. A multi-valued attribute matches when any
 * value does; an absent attribute matches nothing; `not` negates the whole result.
 */
export function evaluateCondition(subject: string, condition: DeepReadonly<Condition>, values: ReadonlyArray<string | number>): ConditionResult {
  const any = values.some((v) => testOne(condition.test, v));
  const ok = condition.not ? !any : any;
  const text = `${subject} ${describeValues(values)} ${condition.not ? 'not ' : ''}${describeTest(condition.test)} ${ok ? '✓' : '✗'}`;
  return { subject, ok, text };
}
