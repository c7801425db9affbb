import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { firedDecisions, matchRules, type MatchContext } from './match-rules.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `destinations:
  outbox: { kind: folder, path: ./out }
  pacs: { kind: dimse, aeTitle: PACS, host: 127.0.0.1, port: 4242 }
models:
  embedded: { manifest: ./m.yaml }
presets:
  ct-default: { model: embedded }
`;

function rulesOf(rulesYaml: string) {
  return parseConfig({ node: { file: 'config/node.yaml', text: NODE }, rules: { file: 'config/rules.yaml', text: rulesYaml } }).rules;
}

const RULES = rulesOf(`rules:
  - name: no-scouts
    match:
      tags:
        - { tag: ImageType, equals: LOCALIZER }
    actions: { drop: true }
  - name: ct-lung
    match:
      modality: CT
      callingAe: { regex: "^CT\\\\d+$" }
      tags:
        - { tag: SeriesDescription, regex: /lung/i }
        - { tag: "(0018,0050)", range: { max: 2 } }
    actions: { windows: [lung], enhance: ct-default, destinations: [pacs] }
    continue: true
  - name: ct-archive
    match:
      modality: { equals: CT }
      calledAe: { equals: TEST, not: true }
    actions: { enhance: none, destinations: [outbox] }
  - name: mr
    match: { modality: MR, sopClass: 1.2.840.10008.5.1.4.1.1.4 }
    actions: { windows: [file], enhance: none, destinations: [outbox] }
  - name: default
    default: true
    actions: { drop: true }
`);

const ct = (extra: Record<string, unknown> = {}, ctx: Partial<MatchContext> = {}): MatchContext => ({
  callingAe: 'CT01',
  calledAe: 'UNIMIE',
  header: { Modality: 'CT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'], SeriesDescription: 'Thorax Lung 1mm', SliceThickness: '1.0', ...extra },
  ...ctx,
});

const fired = (ctx: MatchContext) => firedDecisions(matchRules(RULES, ctx)).map((d) => d.rule);

describe('matchRules', () => {
  it('first match wins; continue lets the next rules fire too', () => {
    expect(fired(ct())).toEqual(['ct-lung', 'ct-archive']);
  });

  it('a failing condition makes the rule not match (all conditions must hold)', () => {
    expect(fired(ct({ SeriesDescription: 'Abdomen' }))).toEqual(['ct-archive']);
    expect(fired(ct({ SliceThickness: '5' }))).toEqual(['ct-archive']);
    expect(fired(ct({}, { callingAe: 'MODALITY' }))).toEqual(['ct-archive']);
  });

  it('negation: calledAe not TEST', () => {
    expect(fired(ct({ SeriesDescription: 'x' }, { calledAe: 'TEST' }))).toEqual(['default']);
  });

  it('multi-valued attributes match when any value matches', () => {
    expect(fired(ct({ ImageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }))).toEqual(['no-scouts']);
  });

  it('matches SOP Class and Modality together', () => {
    expect(fired({ header: { Modality: 'MR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.4' } })).toEqual(['mr']);
    expect(fired({ header: { Modality: 'MR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1' } })).toEqual(['default']);
  });

  it('the default rule fires only when nothing else did', () => {
    const decisions = matchRules(RULES, { header: { Modality: 'US' } });
    expect(firedDecisions(decisions).map((d) => d.rule)).toEqual(['default']);
    expect(decisions.at(-1)).toMatchObject({ outcome: 'fired', isDefault: true, actions: { kind: 'drop' } });
    const withCt = matchRules(RULES, ct());
    expect(withCt.at(-1)).toMatchObject({ rule: 'default', outcome: 'not-evaluated' });
  });

  it('returns one decision per rule, in order, with reasons', () => {
    const decisions = matchRules(RULES, ct({ SeriesDescription: 'Abdomen' }));
    expect(decisions.map((d) => [d.rule, d.outcome])).toEqual([
      ['no-scouts', 'not-matched'],
      ['ct-lung', 'not-matched'],
      ['ct-archive', 'fired'],
      ['mr', 'not-evaluated'],
      ['default', 'not-evaluated'],
    ]);
    expect(decisions[1]!.explanation).toBe(
      'rule ct-lung: callingAe CT01 regex /^CT\\d+$/ ✓; Modality CT equals CT ✓; SeriesDescription Abdomen regex /lung/i ✗; SliceThickness (0018,0050) 1.0 range [≤ 2] ✓',
    );
    expect(decisions[3]!.explanation).toBe('rule mr: not evaluated (rule ct-archive fired first)');
    expect(decisions[2]!.actions).toEqual({ kind: 'process', windows: ['file'], enhance: 'none', output: 'sc-rgb', destinations: ['outbox'], report: false, forward: [] });
    expect(decisions[2]!.completion).toEqual({ scope: 'series', quietSeconds: 10, lateArrival: 'supersede' });
  });

  it('a rule without match matches everything', () => {
    const rules = rulesOf('rules:\n  - name: all\n    actions: { enhance: none, destinations: [outbox] }\n  - name: default\n    default: true\n    actions: { drop: true }\n');
    const d = matchRules(rules, { header: {} });
    expect(firedDecisions(d).map((x) => x.rule)).toEqual(['all']);
    expect(d[0]!.explanation).toBe('rule all: no conditions (matches everything) ✓');
  });

  it('is pure: the same input gives the same decisions', () => {
    expect(matchRules(RULES, ct())).toEqual(matchRules(RULES, ct()));
  });
});
