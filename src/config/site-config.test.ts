import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from './load.js';
import { siteNodeYaml } from './site-config.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../config');

const TEMPLATE = `# the node
node:
  aeTitle: UNIMIE
  dataDir: ../var               # spool and database
listeners:
  - { name: main, aeTitle: UNIMIE, host: 127.0.0.1, port: 11112 }
  - name: tls
    aeTitle: UNIMIE
    port: 2762
destinations:
  outbox: { kind: folder, path: ../var/outbox }
  archive: { kind: folder, path: /srv/archive }
  beside: { kind: folder, path: ../exports }
  pacs: { kind: dimse, aeTitle: ORTHANC, host: 127.0.0.1, port: 4242 }
models:
  embedded: { manifest: ../model/embedded/manifest.yaml }
  big:
    manifest: /models/adm/manifest.yaml
api:
  port: 8080
`;

describe('siteNodeYaml', () => {
  it('gives every path absolute, moves the data folder and what lay inside it, keeps comments', () => {
    const out = siteNodeYaml(TEMPLATE, { templateDir: '/opt/unimie-node/config', dataDir: '/var/lib/unimie-node' });
    const v = parse(out);
    expect(v.node.dataDir).toBe('/var/lib/unimie-node');
    expect(v.destinations.outbox.path).toBe('/var/lib/unimie-node/outbox');
    expect(v.destinations.archive.path).toBe('/srv/archive');
    expect(v.destinations.beside.path).toBe('/opt/unimie-node/exports');
    expect(v.destinations.pacs).toEqual({ kind: 'dimse', aeTitle: 'ORTHANC', host: '127.0.0.1', port: 4242 });
    expect(v.models.embedded.manifest).toBe('/opt/unimie-node/model/embedded/manifest.yaml');
    expect(v.models.big.manifest).toBe('/models/adm/manifest.yaml');
    expect(v.listeners[0].host).toBe('127.0.0.1');
    expect(v.api).toEqual({ port: 8080 });
    expect(out).toContain('# the node');
    expect(out).toContain('# spool and database');
  });

  it('binds every listener and the API to the given address, adding host where the file left it out', () => {
    const v = parse(siteNodeYaml(TEMPLATE, { templateDir: '/opt/x/config', dataDir: '/data', bind: '0.0.0.0' }));
    expect(v.listeners.map((l: { host: string }) => l.host)).toEqual(['0.0.0.0', '0.0.0.0']);
    expect(v.api).toEqual({ port: 8080, host: '0.0.0.0' });
    expect(v.node.dataDir).toBe('/data');
    const ipv6 = parse(siteNodeYaml(TEMPLATE, { templateDir: '/opt/x/config', dataDir: '/data with space', bind: '::' }));
    expect(ipv6.api.host).toBe('::');
    expect(ipv6.node.dataDir).toBe('/data with space');
  });

  it('changes only the values in a file that names them all, so its layout and comments stay', () => {
    const text = fs.readFileSync(path.join(SHIPPED, 'node.yaml'), 'utf8');
    const out = siteNodeYaml(text, { templateDir: SHIPPED, dataDir: '/var/lib/unimie-node', bind: '0.0.0.0' });
    const changed = out.split('\n').filter((line, i) => line !== text.split('\n')[i]);
    expect(out.split('\n')).toHaveLength(text.split('\n').length);
    expect(changed.every((line) => /(dataDir|path|manifest|host|contributionRecord): /.test(line))).toBe(true);
    expect(changed.length).toBeGreaterThanOrEqual(4);
  });

  it('names TLS files and files holding secrets absolute, and applies overrides last', () => {
    const text = `${TEMPLATE}  tls: { cert: tls/api.crt, key: tls/api.key }
executor:
  redis: { passwordFile: redis.pw, tls: { ca: /etc/ssl/redis-ca.pem } }
alerts:
  webhooks: [{ url: 'https://x', headers: { Authorization: { file: secrets/hook } } }]
`.replace('port: 2762\n', 'port: 2762\n    tls: { cert: ../certs/dicom.crt, key: ../certs/dicom.key, ca: ../certs/ca.crt }\n');
    const v = parse(
      siteNodeYaml(text, { templateDir: '/etc/unimie-node', dataDir: '/data', overrides: [{ at: ['models', 'big', 'manifest'], value: '/data/models/big/manifest.yaml' }] }),
    );
    expect(v.api.tls).toEqual({ cert: '/etc/unimie-node/tls/api.crt', key: '/etc/unimie-node/tls/api.key' });
    expect(v.listeners[1].tls).toEqual({ cert: '/etc/certs/dicom.crt', key: '/etc/certs/dicom.key', ca: '/etc/certs/ca.crt' });
    expect(v.executor.redis).toEqual({ passwordFile: '/etc/unimie-node/redis.pw', tls: { ca: '/etc/ssl/redis-ca.pem' } });
    expect(v.alerts.webhooks[0].headers.Authorization).toEqual({ file: '/etc/unimie-node/secrets/hook' });
    expect(parse(siteNodeYaml(`extends: ../opt/config/node.yaml\n${TEMPLATE}`, { templateDir: '/etc/unimie-node', dataDir: '/data' })).extends).toBe('/etc/opt/config/node.yaml');
    expect(v.models.big.manifest).toBe('/data/models/big/manifest.yaml');
    expect(v.models.embedded.manifest).toBe('/etc/model/embedded/manifest.yaml');
  });

  it('refuses a relative data folder', () => {
    expect(() => siteNodeYaml(TEMPLATE, { templateDir: '/opt/x/config', dataDir: 'var' })).toThrow(/absolute/);
  });

  it('keeps the shipped config valid, with the same presets, rules and model', () => {
    const template = fs.readFileSync(path.join(SHIPPED, 'node.yaml'), 'utf8');
    const rules = fs.readFileSync(path.join(SHIPPED, 'rules.yaml'), 'utf8');
    const site = '/etc/unimie-node';
    const shipped = parseConfig({ node: { file: path.join(SHIPPED, 'node.yaml'), text: template }, rules: { file: path.join(SHIPPED, 'rules.yaml'), text: rules } });
    const moved = parseConfig({
      node: { file: `${site}/node.yaml`, text: siteNodeYaml(template, { templateDir: SHIPPED, dataDir: '/var/lib/unimie-node' }) },
      rules: { file: `${site}/rules.yaml`, text: rules },
    });
    expect(moved.node.dataDir).toBe('/var/lib/unimie-node');
    expect(moved.models).toEqual(shipped.models);
    expect(moved.presets).toEqual(shipped.presets);
    expect(moved.rules).toEqual(shipped.rules);
    expect(moved.listeners).toEqual(shipped.listeners);
  });
});
