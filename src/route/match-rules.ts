import type { Dataset } from '../dicom/part10.js';
import type { DeepReadonly } from '../config/deep-freeze.js';
import type { Completion, Rule, RuleActions } from '../config/types.js';
import { evaluateCondition, type ConditionResult } from './condition.js';
import { attributeValues } from '../dicom/tag-ref.js';

/** What the router knows about one received instance. */
export interface MatchContext {
  callingAe?: string;
  calledAe?: string;
  /** The instance's data set (header is enough), naturalized. */
  header: Dataset;
}

export type RuleOutcome = 'fired' | 'not-matched' | 'not-evaluated';

/** The verdict of one rule for one instance, with its reasons. */
export interface Decision {
  rule: string;
  index: number;
  isDefault: boolean;
  outcome: RuleOutcome;
  /** Every condition tested, in the order written (empty when not evaluated). */
  conditions: ConditionResult[];
  /** One line: `rule ct-enhance: Modality CT equals CT ✓; SeriesDescription … ✗`. */
  explanation: string;
  actions: DeepReadonly<RuleActions>;
  completion: Readonly<Completion>;
}

/** Rules as the frozen config hands them out (a mutable Rule[] is accepted too). */
type ReadonlyRule = DeepReadonly<Rule>;

function scalarValues(v: unknown): Array<string | number> {
  return typeof v === 'string' && v !== '' ? [v.trim()] : typeof v === 'number' ? [v] : [];
}

function evaluateRule(rule: ReadonlyRule, ctx: MatchContext): ConditionResult[] {
  const m = rule.match;
  const results: ConditionResult[] = [];
  if (m.callingAe) results.push(evaluateCondition('callingAe', m.callingAe, scalarValues(ctx.callingAe)));
  if (m.calledAe) results.push(evaluateCondition('calledAe', m.calledAe, scalarValues(ctx.calledAe)));
  if (m.modality) results.push(evaluateCondition('Modality', m.modality, attributeValues(ctx.header, { keyword: 'Modality', tag: '0008,0060' })));
  if (m.sopClass) results.push(evaluateCondition('SOPClassUID', m.sopClass, attributeValues(ctx.header, { keyword: 'SOPClassUID', tag: '0008,0016' })));
  for (const t of m.tags) {
    const subject = t.keyword === t.written ? t.keyword : `${t.keyword} (${t.tag})`;
    results.push(evaluateCondition(subject, t, attributeValues(ctx.header, t)));
  }
  return results;
}

function decision(rule: ReadonlyRule, outcome: RuleOutcome, conditions: ConditionResult[], why: string): Decision {
  return {
    rule: rule.name,
    index: rule.index,
    isDefault: rule.isDefault,
    outcome,
    conditions,
    explanation: `rule ${rule.name}: ${why}`,
    actions: rule.actions,
    completion: rule.completion,
  };
}

/**
 * Evaluates the ordered rules for one instance. Rules are tried in order; the first that matches
 * fires and ends the evaluation unless it has `continue: true`. The default rule fires only when
 * no other rule did. Returns one Decision per rule, in order, saying why it fired or not.
 * Pure: no I/O, same input → same output.
 */
export function matchRules(rules: ReadonlyArray<ReadonlyRule>, ctx: MatchContext): Decision[] {
  const out: Decision[] = [];
  let stopped: string | undefined;
  let anyFired = false;
  for (const rule of rules) {
    if (stopped !== undefined) {
      out.push(decision(rule, 'not-evaluated', [], `not evaluated (rule ${stopped} fired first)`));
      continue;
    }
    if (rule.isDefault) {
      if (anyFired) out.push(decision(rule, 'not-evaluated', [], 'default not needed (another rule fired)'));
      else {
        out.push(decision(rule, 'fired', [], 'default rule, no other rule matched ✓'));
        anyFired = true;
      }
      continue;
    }
    const conditions = evaluateRule(rule, ctx);
    const matched = conditions.every((c) => c.ok);
    const why = conditions.length === 0 ? 'no conditions (matches everything) ✓' : conditions.map((c) => c.text).join('; ');
    out.push(decision(rule, matched ? 'fired' : 'not-matched', conditions, why));
    if (matched) {
      anyFired = true;
      if (!rule.continue) stopped = rule.name;
    }
  }
  return out;
}

/** The decisions whose rules fired, in order (what the pipeline acts on). */
export function firedDecisions(decisions: readonly Decision[]): Decision[] {
  return decisions.filter((d) => d.outcome === 'fired');
}
