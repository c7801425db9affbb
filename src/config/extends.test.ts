import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError } from './config-issue.js';
import { mergePatch } from './extends.js';
import { loadConfig, parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');
const RULES = fs.readFileSync(path.join(SHIPPED, 'rules.yaml'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unimie-extends-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function site(name: string, node: string, rules = RULES): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'node.yaml'), node);
  fs.writeFileSync(path.join(dir, 'rules.yaml'), rules);
  return dir;
}

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i) => `${path.basename(path.dirname(i.file))}/${path.basename(i.file)}:${i.line}: ${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('node.yaml `extends`', () => {
  it('merges RFC 7386 style: maps key by key, lists and values replace, null removes', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2], k: 'x', gone: 1 }, { a: { c: 3, d: 4 }, l: [9], k: 'y', gone: null })).toEqual({
      a: { b: 1, c: 3, d: 4 },
      l: [9],
      k: 'y',
    });
  });

  it('takes what the file leaves out from the shipped node.yaml, with the shipped paths still naming the shipped files', () => {
    const data = path.join(tmp, 'data');
    const dir = site(
      'overrides',
      [
        `extends: ${path.relative(path.join(tmp, 'overrides'), path.join(SHIPPED, 'node.yaml'))}`,
        `node: { dataDir: ${data} }`,
        'listeners:',
        '  - { name: main, aeTitle: SITE, port: 11113, allow: [{ aeTitle: PACS, hosts: [10.0.0.0/8] }] }',
        'presets:',
        '  mr-default: { steps: 8 }',
        '  paper: null',
        'api: { port: 8081 }',
      ].join('\n'),
    );
    const shipped = loadConfig(SHIPPED);
    const c = loadConfig(dir);
    expect(c.files.node).toBe(path.join(dir, 'node.yaml'));
    expect(c.node.dataDir).toBe(data);
    expect(c.listeners.map((l) => `${l.aeTitle}:${l.port}`)).toEqual(['SITE:11113']);
    expect(c.models).toEqual(shipped.models);
    expect(c.models.embedded!.manifest).toBe(path.resolve(SHIPPED, '../model/embedded/manifest.yaml'));
    expect(c.destinations.outbox).toEqual(shipped.destinations.outbox);
    expect(c.windows).toEqual(shipped.windows);
    expect(c.presets['ct-default']).toEqual(shipped.presets['ct-default']);
    expect(c.presets['mr-default']).toEqual({ ...shipped.presets['mr-default'], steps: 8 });
    expect(c.presets.paper).toBeUndefined();
    expect(c.api).toMatchObject({ host: shipped.api.host, port: 8081 });
    expect(c.limits).toEqual(shipped.limits);
  });

  it("places an issue in the file that wrote the value: the site's own, else the base", () => {
    const base = site('base', 'limits: { maxQueueDepth: 10 }\nwindows:\n  odd: { center: 1, width: 5 }\n');
    const dir = site('bad', `extends: ../base/node.yaml\nlimits: { maxInstanceMb: 0 }\n`);
    expect(issues(() => loadConfig(dir))).toEqual(['bad/node.yaml:2: limits.maxInstanceMb: must be >= 1']);
    fs.writeFileSync(path.join(base, 'node.yaml'), 'windows:\n  odd: { center: 1, width: -5 }\n');
    expect(issues(() => loadConfig(dir))).toEqual(['bad/node.yaml:2: limits.maxInstanceMb: must be >= 1', 'base/node.yaml:2: windows.odd.width: must be > 0']);
  });

  it('refuses a base it cannot read, a base that extends again, and an extends that is no path', () => {
    const missing = site('missing', 'extends: ../nowhere/node.yaml\n');
    expect(issues(() => loadConfig(missing))).toEqual([expect.stringMatching(/^missing\/node\.yaml:1: extends: cannot read .*nowhere\/node\.yaml: ENOENT$/)]);
    site('chain-base', 'extends: ../missing/node.yaml\n');
    const chain = site('chain', 'extends: ../chain-base/node.yaml\n');
    expect(issues(() => loadConfig(chain))).toEqual([expect.stringMatching(/^chain-base\/node\.yaml:1: extends: .* extends another file; only one level is allowed$/)]);
    expect(issues(() => parseConfig({ node: { file: '/etc/u/node.yaml', text: 'extends: [a]\n' }, rules: { file: '/etc/u/rules.yaml', text: RULES } }))).toEqual([
      'u/node.yaml:1: extends: must be the path of a node.yaml to start from',
    ]);
  });
});
