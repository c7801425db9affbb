import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `node:
  aeTitle: UNIMIE
destinations:
  outbox: { kind: folder, path: ./out }
models:
  embedded: { manifest: ./m.yaml }
presets:
  ct: { model: embedded }
`;
const RULES = `rules:
  - name: ct
    match: { modality: CT }
    actions: { enhance: ct, destinations: [outbox] }
  - name: default
    default: true
    actions: { drop: true }
`;

function issuesOf(node: string, rules: string): ConfigIssue[] {
  try {
    parseConfig({ node: { file: 'config/node.yaml', text: node }, rules: { file: 'config/rules.yaml', text: rules } });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('PACS_E_CONFIG');
    return [...(err as ConfigValidationError).issues];
  }
  throw new Error('expected the config to be rejected');
}

const where = (i: ConfigIssue) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`;

describe('schema validation names file, line and column', () => {
  it('accepts the minimal config', () => {
    const c = parseConfig({ node: { file: 'config/node.yaml', text: NODE }, rules: { file: 'config/rules.yaml', text: RULES } });
    expect(c.rules.map((r) => r.name)).toEqual(['ct', 'default']);
  });

  it('reports an unknown key at the key, listing the allowed ones', () => {
    const issues = issuesOf(NODE.replace('  aeTitle: UNIMIE', '  aeTitle: UNIMIE\n  aeTitel: X'), RULES);
    expect(issues.map(where)).toEqual([
      'config/node.yaml:3:3: node.aeTitel: unknown key (expected one of aeTitle, dataDir, logLevel, logPatientIdentifiers, contributionRecord)',
    ]);
  });

  it('reports a wrong enum value with its choices', () => {
    const node = `${NODE}listeners:\n  - name: main\n    aeTitle: UNIMIE\n    transport: dcmtk\n`;
    expect(issuesOf(node, RULES).map(where)).toEqual([
      'config/node.yaml:12:16: listeners[0].transport: must be one of dcmjs-dimse|dicom-dimse-native',
    ]);
  });

  it('reports type, range and pattern errors each on its own line', () => {
    const node = `${NODE}listeners:\n  - name: main\n    aeTitle: 'A\\B'\n    port: 70000\n    maxAssociations: many\n`;
    expect(issuesOf(node, RULES).map(where)).toEqual([
      'config/node.yaml:11:14: listeners[0].aeTitle: must be an AE title: 1 to 16 printable ASCII characters without backslash',
      'config/node.yaml:12:11: listeners[0].port: must be <= 65535',
      'config/node.yaml:13:22: listeners[0].maxAssociations: must be an integer',
    ]);
  });

  it('tells destinations apart by kind', () => {
    const node = NODE.replace('  outbox: { kind: folder, path: ./out }', '  outbox: { kind: ftp, path: ./out }\n  pacs: { aeTitle: PACS }\n  peer: { kind: dimse, aeTitle: PACS, host: h }');
    expect(issuesOf(node, RULES).map(where)).toEqual([
      'config/node.yaml:4:19: destinations.outbox.kind: must be one of dimse|folder|dicomweb',
      "config/node.yaml:5:9: destinations.pacs: missing required key 'kind' (one of dimse|folder|dicomweb)",
      "config/node.yaml:6:9: destinations.peer: missing required key 'port'",
    ]);
  });

  it('keeps the errors of sibling union values apart', () => {
    const node = NODE.replace('  outbox: { kind: folder, path: ./out }', '  a: { kind: folder }\n  ab: { kind: dimse, aeTitle: X, host: h, port: -1 }');
    expect(issuesOf(node, RULES).map(where)).toEqual([
      "config/node.yaml:4:6: destinations.a: missing required key 'path'",
      'config/node.yaml:5:49: destinations.ab.port: must be >= 0',
    ]);
  });

  it('reports a union of scalar types as one line', () => {
    const node = NODE.replace('  ct: { model: embedded }', '  ct: { model: embedded, exposureTarget: bright, startStep: [1] }');
    expect(issuesOf(node, RULES).map(where)).toEqual([
      'config/node.yaml:8:42: presets.ct.exposureTarget: must be a number or "input"',
      'config/node.yaml:8:61: presets.ct.startStep: must be an integer or null',
    ]);
  });

  it('reports errors in rules.yaml with their rules.yaml position', () => {
    const rules = RULES.replace('    match: { modality: CT }', '    match:\n      modality: { equalz: CT }\n      tags:\n        - { tag: SliceThickness, range: { min: thin } }');
    expect(issuesOf(NODE, rules).map(where)).toEqual([
      'config/rules.yaml:4:19: rules[0].match.modality.equalz: unknown key (expected one of equals, regex, range, not)',
      'config/rules.yaml:6:48: rules[0].match.tags[0].range.min: must be a number',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    const issues = issuesOf(NODE, 'rules:\n  - name: a\n    name: b\n    actions: {drop: true}\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'config/rules.yaml', line: 3, column: 5 });
    expect(issues[0]!.message).toMatch(/unique/i);
    const bad = issuesOf('node: [unclosed\n', RULES);
    expect(bad[0]).toMatchObject({ file: 'config/node.yaml' });
    expect(bad[0]!.line).toBeGreaterThan(0);
  });

  it('formats every issue in the error message', () => {
    try {
      parseConfig({ node: { file: 'config/node.yaml', text: 'node: { logLevel: loud }\n' }, rules: { file: 'config/rules.yaml', text: RULES } });
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigValidationError;
      expect(e.message).toContain('config/node.yaml:1:19: node.logLevel: must be one of fatal|error|warn|info|debug|trace|silent');
      expect(e.file).toBe('config/node.yaml');
      expect(e.line).toBe(1);
    }
  });
});
