import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from './config-issue.js';
import { parseConfig } from './load.js';
import { outputKindMismatch, outputKindNames } from './rules-schema.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const CONFIG = resolve(import.meta.dirname, '../../config');
const node = { file: join(CONFIG, 'node.yaml'), text: readFileSync(join(CONFIG, 'node.yaml'), 'utf8') };
const rulesWith = (modality: string, output: string) => ({
  file: join(CONFIG, 'rules.yaml'),
  text: `rules:\n  - name: r\n    match: { modality: ${modality} }\n    actions: { enhance: none, output: ${output}, destinations: [outbox] }\n  - name: default\n    default: true\n    actions: { drop: true }\n`,
});

describe('output kinds in rules', () => {
  it('every kind with a builder is accepted where it fits', () => {
    for (const [modality, output] of [['CT', 'sc-rgb'], ['MR', 'mf-sc-rgb'], ['CT', 'derived-grayscale'], ['MR', 'derived-grayscale'], ['ES', 'vl-endoscopic']]) {
      expect(parseConfig({ node, rules: rulesWith(modality!, output!) }).rules[0]!.actions).toMatchObject({ output });
    }
    expect(outputKindNames()).toEqual(['sc-rgb', 'mf-sc-rgb', 'derived-grayscale', 'vl-endoscopic']);
  });

  it('a kind that cannot serve the one modality a rule matches is refused at load time, with file and line', () => {
    const err = (() => {
      try {
        parseConfig({ node, rules: rulesWith('US', 'derived-grayscale') });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigValidationError);
    const issue = (err as ConfigValidationError).issues[0]!;
    expect(issue.message).toMatch(/derived-grayscale needs CT or MR sources; this rule matches modality US/);
    expect(issue.line).toBe(4);
    expect(() => parseConfig({ node, rules: rulesWith('CT', 'vl-endoscopic') })).toThrow(ConfigValidationError);
    expect(() => parseConfig({ node, rules: rulesWith('CT', 'jpeg-thumbnail') })).toThrow(ConfigValidationError);
  });

  it('rules that do not pin one modality are left to the job, which refuses unfit sources', () => {
    expect(outputKindMismatch('derived-grayscale', { regex: '^(CT|US)$' })).toBeUndefined();
    expect(outputKindMismatch('derived-grayscale', undefined)).toBeUndefined();
    expect(outputKindMismatch('mf-sc-rgb', 'US')).toBeUndefined();
    expect(outputKindMismatch('derived-grayscale', 'mr')).toBeUndefined();
  });
});
