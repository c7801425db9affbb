import { describeActions } from '../route/describe-actions.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { isHostPattern } from './resolve-node.js';
import { loadConfig, parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

const NODE = `node:
  aeTitle: UNIMIE
listeners:
  - name: main
    aeTitle: UNIMIE
    allow:
      - aeTitle: STORESCU
        hosts: [127.0.0.1, 10.0.0.0/8]
destinations:
  outbox: { kind: folder, path: ../out }
  pacs: { kind: dimse, aeTitle: ORTHANC, host: 127.0.0.1, port: 4242 }
windows:
  lung: { center: -500, width: 1400 }
  narrow: { center: 10, width: 20, voiLutFunction: SIGMOID }
models:
  embedded: { manifest: ../model/embedded/manifest.yaml }
presets:
  ct: { model: embedded, steps: 25 }
`;
const RULES = `rules:
  - name: ct
    match: { modality: CT }
    actions: { windows: [soft-tissue, lung], enhance: ct, destinations: [outbox, pacs] }
  - name: default
    default: true
    actions: { drop: true }
`;

function parse(node: string, rules: string, readText?: (p: string) => string) {
  return parseConfig({ node: { file: '/etc/unimie/node.yaml', text: node }, rules: { file: '/etc/unimie/rules.yaml', text: rules } }, readText ? { readText } : {});
}

function issuesOf(node: string, rules: string, readText?: (p: string) => string): string[] {
  try {
    parse(node, rules, readText);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i: ConfigIssue) => `${path.basename(i.file)}:${i.line}:${i.column}: ${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unimie-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('loads the shipped config/ with its embedded defaults', () => {
    const c = loadConfig(CONFIG_DIR);
    expect(c.node.aeTitle).toBe('UNIMIE');
    expect(c.listeners).toHaveLength(1);
    expect(c.listeners[0]).toMatchObject({ aeTitle: 'UNIMIE', host: '127.0.0.1', port: 11112, transport: 'dcmjs-dimse' });
    expect(c.listeners[0]!.allow.map((a) => a.aeTitle)).toEqual(['STORESCU', 'ORTHANC']);
    expect(c.destinations.outbox).toMatchObject({ kind: 'folder', path: path.resolve(CONFIG_DIR, '../var/outbox') });
    expect(c.node.dataDir).toBe(path.resolve(CONFIG_DIR, '../var'));
    expect(c.models.embedded!.manifest).toBe(path.resolve(CONFIG_DIR, '../model/embedded/manifest.yaml'));
    expect(Object.keys(c.presets).sort()).toEqual(['ct-default', 'endoscopy-default', 'mr-default', 'paper']);
    expect(c.rules.map((r) => r.name)).toEqual(['ct-enhance', 'mr-enhance', 'endoscopy-enhance', 'default']);
    expect(c.rules.at(-1)).toMatchObject({ isDefault: true, actions: { kind: 'drop' } });
    expect(c.rules[0]!.actions).toEqual({ kind: 'process', windows: ['soft-tissue'], enhance: 'ct-default', output: 'sc-rgb', destinations: ['outbox'], report: false, forward: [] });
  });

  it('fills defaults, resolves paths against the file, merges built-in windows', () => {
    const c = parse(NODE, RULES);
    expect(c.node).toEqual({ aeTitle: 'UNIMIE', dataDir: '/etc/unimie/var', logLevel: 'info', logPatientIdentifiers: false });
    expect(c.listeners[0]).toMatchObject({ host: '127.0.0.1', port: 11112, maxPduLength: 65536, maxAssociations: 16 });
    expect(c.destinations.outbox).toMatchObject({ path: '/etc/out', maxAttempts: 8, backoff: { initialSeconds: 5, maxSeconds: 600 } });
    expect(c.destinations.pacs).toMatchObject({ kind: 'dimse', callingAeTitle: 'UNIMIE', transferSyntax: 'explicit-le', maxAttempts: 8 });
    expect(c.windows.lung).toEqual({ source: 'preset', center: -500, width: 1400, voiLutFunction: 'LINEAR' });
    expect(c.windows['soft-tissue']).toEqual({ source: 'preset', center: 40, width: 400, voiLutFunction: 'LINEAR' });
    expect(c.windows.narrow).toMatchObject({ voiLutFunction: 'SIGMOID' });
    expect(c.windows.file).toEqual({ source: 'file' });
    expect(c.presets.ct).toMatchObject({ name: 'ct', model: 'embedded', steps: 25, patchSize: 256, stride: 128, variance: 'auto', startStep: 300 });
    expect(c.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.limits).toEqual({ minFreeDiskMb: 1024, maxInstanceMb: 2048, maxQueueDepth: 10000 });
    expect(c.rules[0]!.completion).toEqual({ scope: 'series', quietSeconds: 10, lateArrival: 'supersede' });
  });

  it('returns a deep-frozen config', () => {
    const c = parse(NODE, RULES);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listeners[0]!.allow[0]!.hosts)).toBe(true);
    expect(() => {
      (c.node as { aeTitle: string }).aeTitle = 'X';
    }).toThrow(TypeError);
  });

  it('reads TLS files relative to the config file into PEM strings', () => {
    fs.mkdirSync(path.join(tmp, 'tls'), { recursive: true });
    const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
    fs.writeFileSync(path.join(tmp, 'tls/node.crt'), pem('CERTIFICATE'));
    fs.writeFileSync(path.join(tmp, 'tls/node.key'), pem('PRIVATE KEY'));
    fs.writeFileSync(path.join(tmp, 'tls/ca.crt'), pem('CERTIFICATE'));
    const node = NODE.replace('    aeTitle: UNIMIE\n    allow:', '    aeTitle: UNIMIE\n    tls: { cert: tls/node.crt, key: tls/node.key, ca: tls/ca.crt, requireClientCert: true }\n    allow:');
    fs.writeFileSync(path.join(tmp, 'node.yaml'), node);
    fs.writeFileSync(path.join(tmp, 'rules.yaml'), RULES);
    const c = loadConfig(tmp);
    expect(c.listeners[0]!.tls).toEqual({
      cert: pem('CERTIFICATE'),
      key: pem('PRIVATE KEY'),
      ca: pem('CERTIFICATE'),
      requireClientCert: true,
      files: { cert: path.join(tmp, 'tls/node.crt'), key: path.join(tmp, 'tls/node.key'), ca: path.join(tmp, 'tls/ca.crt') },
    });
    fs.writeFileSync(path.join(tmp, 'node.yaml'), node.replace('tls/node.key', 'tls/missing.key'));
    expect(() => loadConfig(tmp)).toThrow(/node\.yaml:6:\d+: listeners\[0\]\.tls\.key: cannot read .*missing\.key: ENOENT/);
  });

  it('resolves a DICOMweb destination: secrets from a value or a file (first line), CA file read, trailing slash dropped', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    fs.mkdirSync(path.join(tmp, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'secrets/pacs-password'), 's3cret\nignored\n');
    fs.writeFileSync(path.join(tmp, 'secrets/ca.pem'), pem);
    const node = NODE.replace(
      'destinations:\n',
      'destinations:\n  web: { kind: dicomweb, url: "https://pacs.example/dicom-web/", auth: { kind: basic, user: node, password: { file: secrets/pacs-password } }, tls: { ca: secrets/ca.pem } }\n' +
        '  cloud: { kind: dicomweb, url: "http://127.0.0.1:8042/dicom-web", auth: { kind: bearer, token: abc.def }, maxInstancesPerRequest: 10 }\n',
    );
    fs.writeFileSync(path.join(tmp, 'node.yaml'), node);
    fs.writeFileSync(path.join(tmp, 'rules.yaml'), RULES);
    const c = loadConfig(tmp);
    expect(c.destinations.web).toMatchObject({
      kind: 'dicomweb',
      url: 'https://pacs.example/dicom-web',
      auth: { kind: 'basic', user: 'node', password: 's3cret' },
      tls: { ca: pem, files: { ca: path.join(tmp, 'secrets/ca.pem') } },
      maxInstancesPerRequest: 50,
      verifyInDoubt: true,
      timeoutSeconds: 60,
      maxAttempts: 8,
    });
    expect(c.destinations.cloud).toMatchObject({ auth: { kind: 'bearer', token: 'abc.def' }, maxInstancesPerRequest: 10 });
    fs.writeFileSync(path.join(tmp, 'node.yaml'), node.replace('secrets/pacs-password', 'secrets/missing'));
    expect(() => loadConfig(tmp)).toThrow(/destinations\.web\.auth\.password\.file: cannot read .*missing: ENOENT/);
    fs.writeFileSync(path.join(tmp, 'node.yaml'), node.replace('https://pacs.example/dicom-web/', 'http://pacs.example/dicom-web'));
    expect(() => loadConfig(tmp)).toThrow(/destinations\.web\.tls: tls applies to an https:\/\/ url only/);
  });

  it('names a missing file', () => {
    expect(() => loadConfig({ node: path.join(tmp, 'nope.yaml'), rules: path.join(tmp, 'rules.yaml') })).toThrow(/nope\.yaml: cannot read: ENOENT/);
  });
});

describe('cross-reference and rule checks', () => {
  it('refers actions to existing windows, presets and destinations', () => {
    const rules = RULES.replace('windows: [soft-tissue, lung], enhance: ct, destinations: [outbox, pacs]', 'windows: [soft-tissue, lungs], enhance: mr, destinations: [outbox, archive]');
    expect(issuesOf(NODE, rules)).toEqual([
      "rules.yaml:4:39: rules[0].actions.windows[1]: unknown window 'lungs' (windows: soft-tissue, lung, bone, brain, file, auto, narrow)",
      "rules.yaml:4:56: rules[0].actions.enhance: unknown preset 'mr' (presets: ct; or 'none')",
      "rules.yaml:4:83: rules[0].actions.destinations[1]: unknown destination 'archive' (destinations: outbox, pacs)",
    ]);
  });

  it('checks presets name a model, and stride does not exceed the patch', () => {
    const node = NODE.replace('ct: { model: embedded, steps: 25 }', 'ct: { model: adm, patchSize: 64, stride: 128 }');
    expect(issuesOf(node, RULES)).toEqual([
      "node.yaml:18:16: presets.ct.model: unknown model 'adm' (models: embedded)",
      'node.yaml:18:44: presets.ct.stride: stride 128 is larger than patchSize 64: patches would leave gaps',
    ]);
  });

  it('requires unique listener names and IP/CIDR hosts', () => {
    const node = NODE.replace('hosts: [127.0.0.1, 10.0.0.0/8]', 'hosts: [127.0.0.1, pacs.local, 10.0.0.0/33]').replace(
      'destinations:',
      '  - name: main\n    aeTitle: OTHER\n    port: 11113\ndestinations:',
    );
    expect(issuesOf(node, RULES)).toEqual([
      "node.yaml:8:28: listeners[0].allow[0].hosts[1]: 'pacs.local' is not an IP address or CIDR block",
      "node.yaml:8:40: listeners[0].allow[0].hosts[2]: '10.0.0.0/33' is not an IP address or CIDR block",
      "node.yaml:9:11: listeners[1].name: duplicate listener name 'main' (also listeners[0])",
    ]);
  });

  it('requires exactly one default rule, last, without match', () => {
    const noDefault = 'rules:\n  - name: ct\n    match: { modality: CT }\n    actions: { drop: true }\n';
    expect(issuesOf(NODE, noDefault)).toEqual(['rules.yaml:2:5: rules[0]: no default rule: the last rule must have `default: true` (e.g. actions: { drop: true })']);
    const notLast = 'rules:\n  - name: default\n    default: true\n    actions: { drop: true }\n  - name: ct\n    actions: { drop: true }\n';
    expect(issuesOf(NODE, notLast)).toEqual([
      'rules.yaml:3:5: rules[0].default: the default rule must be the last rule',
    ]);
    const withMatch = 'rules:\n  - name: default\n    default: true\n    match: { modality: CT }\n    actions: { drop: true }\n';
    expect(issuesOf(NODE, withMatch)).toEqual(['rules.yaml:4:5: rules[0].match: the default rule matches everything and takes no `match`']);
  });

  it('checks each condition has exactly one test, regexes compile and tags exist', () => {
    const rules = `rules:
  - name: a
    match:
      calledAe: { regex: "([unclosed" }
      tags:
        - tag: SeriesDescription
          not: true
        - { tag: SeriesDescriptoin, equals: x }
        - { tag: "(0008,103E)", equals: x, regex: y }
        - { tag: SliceThickness, range: { min: 5, max: 1 } }
    actions: { drop: true }
  - name: default
    default: true
    actions: { drop: true }
`;
    expect(issuesOf(NODE, rules)).toEqual([
      expect.stringMatching(/^rules\.yaml:4:26: rules\[0\]\.match\.calledAe\.regex: does not compile: /),
      'rules.yaml:6:11: rules[0].match.tags[0]: must have one of equals|regex|range',
      "rules.yaml:8:18: rules[0].match.tags[1].tag: unknown attribute 'SeriesDescriptoin' (use a DICOM keyword such as SeriesDescription, or gggg,eeee)",
      'rules.yaml:9:11: rules[0].match.tags[2]: must have only one of equals|regex|range (has equals, regex)',
      'rules.yaml:10:41: rules[0].match.tags[3].range: min 5 is greater than max 1',
    ]);
  });

  it('checks drop stands alone and a processing action has a preset and destinations', () => {
    const rules = `rules:
  - name: a
    actions: { drop: true, destinations: [outbox] }
  - name: b
    actions: { windows: [bone] }
  - name: default
    default: true
    actions: { drop: true }
`;
    expect(issuesOf(NODE, rules)).toEqual([
      'rules.yaml:3:14: rules[0].actions: drop: true stands alone (remove destinations)',
      "rules.yaml:5:14: rules[1].actions: must have drop: true, forward (destinations for the originals), or enhance (a preset name or 'none') and destinations",
    ]);
  });

  it('takes forward alone or beside processing, checks its destinations, and keeps it out of drop', () => {
    const rules = `rules:
  - name: only-forward
    actions: { forward: [outbox] }
  - name: both
    actions: { forward: [outbox], enhance: none, destinations: [outbox] }
  - name: unknown
    actions: { forward: [archive] }
  - name: dropped
    actions: { drop: true, forward: [outbox] }
  - name: half
    actions: { forward: [outbox], windows: [bone] }
  - name: default
    default: true
    actions: { drop: true }
`;
    expect(issuesOf(NODE, rules)).toEqual([
      "rules.yaml:7:26: rules[2].actions.forward[0]: unknown destination 'archive' (destinations: outbox, pacs)",
      'rules.yaml:9:14: rules[3].actions: drop: true stands alone (remove forward)',
      "rules.yaml:11:14: rules[4].actions: must have drop: true, forward (destinations for the originals), or enhance (a preset name or 'none') and destinations",
    ]);
    const ok = rules.replace(/ {2}- name: unknown[\s\S]*?(?= {2}- name: default)/, '');
    const parsed = parse(NODE, ok).rules;
    expect(parsed[0]!.actions).toEqual({ kind: 'forward', forward: ['outbox'] });
    expect(parsed[1]!.actions).toEqual({ kind: 'process', windows: ['file'], enhance: 'none', output: 'sc-rgb', destinations: ['outbox'], report: false, forward: ['outbox'] });
  });

  it('accepts render-only actions and fills their defaults', () => {
    const rules = 'rules:\n  - name: a\n    actions: { enhance: none, destinations: [outbox] }\n  - name: default\n    default: true\n    actions: { drop: true }\n';
    expect(parse(NODE, rules).rules[0]!.actions).toEqual({ kind: 'process', windows: ['file'], enhance: 'none', output: 'sc-rgb', destinations: ['outbox'], report: false, forward: [] });
  });

  it('takes report: true on a processing action, and not beside drop', () => {
    const rules = 'rules:\n  - name: a\n    actions: { enhance: none, destinations: [outbox], report: true }\n  - name: default\n    default: true\n    actions: { drop: true }\n';
    const actions = parse(NODE, rules).rules[0]!.actions;
    expect(actions).toMatchObject({ kind: 'process', report: true });
    expect(describeActions(actions)).toMatch(/; report SR$/);
    const dropped = 'rules:\n  - name: default\n    default: true\n    actions: { drop: true, report: true }\n';
    expect(() => parse(NODE, dropped)).toThrow(/drop: true stands alone \(remove report\)/);
  });
});

describe('isHostPattern', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['localhost', false],
    ['1.2.3.4/8/9', false],
  ])('%s → %s', (text, ok) => expect(isHostPattern(text)).toBe(ok));
});
