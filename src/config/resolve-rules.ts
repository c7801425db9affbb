import { resolveTag } from '../dicom/tag-ref.js';
import type { ConfigIssue } from './config-issue.js';
import type { ConditionInput, FieldConditionInput, RulesFile, TagConditionInput } from './rules-schema.js';
import { outputKindMismatch } from './rules-schema.js';
import type { Condition, ConditionTest, NodeConfig, Rule, RuleActions, RuleMatch, TagCondition } from './types.js';
import type { YamlSource } from './yaml-source.js';

type Path = Array<string | number>;

/** A processing action without `windows` renders with the file's own window; without `output`, SC RGB. */
export const DEFAULT_WINDOWS: readonly string[] = ['file'];
export const DEFAULT_OUTPUT = 'sc-rgb' as const;

/** `/lung/i` → pattern `lung`, flags `i`; anything else is the pattern itself. Stateful flags (g, y) are refused. */
export function parseRegex(text: string): { pattern: string; flags: string } {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return m ? { pattern: m[1]!, flags: m[2]! } : { pattern: text, flags: '' };
}

/**
 * Checks rules.yaml beyond the schema and compiles it into Rule objects: conditions have exactly
 * one test, regexes compile, tags exist in the dictionary, names are unique, exactly one `default`
 * rule and it is last, and every window, preset and destination an action names exists in node.yaml.
 */
export function resolveRulesFile(
  file: RulesFile,
  source: YamlSource,
  node: Pick<NodeConfig, 'windows' | 'presets' | 'destinations'>,
): { rules: Rule[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const problem = (at: Path, message: string, key = false) => issues.push(source.issue(at, message, { key }));

  const condition = (input: ConditionInput | FieldConditionInput, at: Path): Condition | undefined => {
    if (typeof input === 'string' || typeof input === 'number') return { test: { op: 'equals', value: input }, not: false };
    const present = (['equals', 'regex', 'range'] as const).filter((k) => input[k] !== undefined);
    if (present.length !== 1) {
      problem(at, present.length === 0 ? 'must have one of equals|regex|range' : `must have only one of equals|regex|range (has ${present.join(', ')})`);
      return undefined;
    }
    let test: ConditionTest;
    if (input.equals !== undefined) test = { op: 'equals', value: input.equals };
    else if (input.regex !== undefined) {
      const { pattern, flags } = parseRegex(input.regex);
      if (/[gy]/.test(flags)) {
        problem([...at, 'regex'], `flags g and y are not allowed (regex ${input.regex})`);
        return undefined;
      }
      try {
        new RegExp(pattern, flags);
      } catch (err) {
        problem([...at, 'regex'], `does not compile: ${(err as Error).message}`);
        return undefined;
      }
      test = { op: 'regex', pattern, flags };
    } else {
      const { min, max } = input.range!;
      if (min === undefined && max === undefined) {
        problem([...at, 'range'], 'must have min, max or both');
        return undefined;
      }
      if (min !== undefined && max !== undefined && min > max) {
        problem([...at, 'range'], `min ${min} is greater than max ${max}`);
        return undefined;
      }
      test = { op: 'range', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    return { test, not: input.not ?? false };
  };

  const tagCondition = (input: TagConditionInput, at: Path): TagCondition | undefined => {
    const ref = resolveTag(input.tag);
    if (!ref) {
      problem([...at, 'tag'], `unknown attribute '${input.tag}' (use a DICOM keyword such as SeriesDescription, or gggg,eeee)`);
      return undefined;
    }
    const c = condition(input, at);
    return c ? { ...c, written: input.tag, keyword: ref.keyword, tag: ref.tag } : undefined;
  };

  const names = new Map<string, number>();
  const defaults: number[] = [];
  const rules: Rule[] = [];
  file.rules.forEach((r, i) => {
    const at: Path = ['rules', i];
    if (names.has(r.name)) problem([...at, 'name'], `duplicate rule name '${r.name}' (also rules[${names.get(r.name)}])`);
    else names.set(r.name, i);
    const isDefault = r.default === true;
    if (isDefault) {
      defaults.push(i);
      if (r.match) problem([...at, 'match'], 'the default rule matches everything and takes no `match`', true);
      if (r.continue) problem([...at, 'continue'], 'the default rule is last; `continue` has no meaning there', true);
    }

    const match: RuleMatch = { tags: [] };
    const m = r.match ?? {};
    for (const field of ['callingAe', 'calledAe', 'modality', 'sopClass'] as const) {
      const input = m[field];
      if (input === undefined) continue;
      const c = condition(input, [...at, 'match', field]);
      if (c) match[field] = c;
    }
    (m.tags ?? []).forEach((t, j) => {
      const c = tagCondition(t, [...at, 'match', 'tags', j]);
      if (c) match.tags.push(c);
    });

    const a = r.actions;
    const aat: Path = [...at, 'actions'];
    let actions: RuleActions;
    const unknownDestination = (d: string, path: Path) =>
      !(d in node.destinations) && problem(path, `unknown destination '${d}' (destinations: ${Object.keys(node.destinations).join(', ') || 'none defined'})`);
    (a.forward ?? []).forEach((d, k) => unknownDestination(d, [...aat, 'forward', k]));
    const processingKeys = (['windows', 'enhance', 'output', 'destinations', 'report'] as const).filter((k) => a[k] !== undefined);
    if (a.drop) {
      const extra = [...processingKeys, ...(a.forward !== undefined ? ['forward'] : [])];
      if (extra.length > 0) problem(aat, `drop: true stands alone (remove ${extra.join(', ')})`);
      actions = { kind: 'drop' };
    } else if (a.forward !== undefined && processingKeys.length === 0) {
      actions = { kind: 'forward', forward: [...a.forward] };
    } else {
      if (a.enhance === undefined) problem(aat, "must have drop: true, forward (destinations for the originals), or enhance (a preset name or 'none') and destinations");
      else if (a.enhance !== 'none' && !(a.enhance in node.presets)) {
        problem([...aat, 'enhance'], `unknown preset '${a.enhance}' (presets: ${Object.keys(node.presets).join(', ') || 'none defined'}; or 'none')`);
      }
      if (a.destinations === undefined && a.enhance !== undefined) problem(aat, "missing required key 'destinations'");
      (a.destinations ?? []).forEach((d, k) => unknownDestination(d, [...aat, 'destinations', k]));
      (a.windows ?? []).forEach((w, k) => {
        if (!(w in node.windows)) problem([...aat, 'windows', k], `unknown window '${w}' (windows: ${Object.keys(node.windows).join(', ')})`);
      });
      const misfit = a.output === undefined ? undefined : outputKindMismatch(a.output, m.modality);
      if (misfit) problem([...aat, 'output'], misfit);
      actions = {
        kind: 'process',
        windows: [...(a.windows ?? DEFAULT_WINDOWS)],
        enhance: a.enhance ?? 'none',
        output: a.output ?? DEFAULT_OUTPUT,
        destinations: [...(a.destinations ?? [])],
        report: a.report ?? false,
        forward: [...(a.forward ?? [])],
      };
    }

    rules.push({
      name: r.name,
      ...(r.description !== undefined ? { description: r.description } : {}),
      index: i,
      isDefault,
      match,
      completion: { ...r.completion },
      actions,
      continue: r.continue ?? false,
    });
  });

  const last = file.rules.length - 1;
  if (defaults.length === 0) problem(['rules', last], 'no default rule: the last rule must have `default: true` (e.g. actions: { drop: true })');
  for (const d of defaults) if (d !== last) problem(['rules', d, 'default'], 'the default rule must be the last rule', true);
  if (defaults.length > 1) problem(['rules', defaults[1]!, 'default'], 'only one rule may be the default', true);
  return { rules, issues };
}
