import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { isHostPattern } from '../../src/config/resolve-node.js';
import { runTool, startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';

/**
 * deploy/compose.yaml cannot run here (no Docker daemon), so what can be checked without it is:
 * the node's config is valid on top of the shipped config/node.yaml it extends in the image, the
 * files agree with each other (addresses, paths, the model in the image), and Orthanc's auto-route
 * script routes with Debian's Orthanc as it would in the orthanc container.
 */

const REPO = resolve(import.meta.dirname, '../..');
const DEPLOY = join(REPO, 'deploy');
const SAMPLE_DIR = join(REPO, 'sample-studies/ct5n');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  networks: { default: { ipam: { config: Array<{ subnet: string }> } } };
};
/** Where the image installs the release (Dockerfile): config/ and the model as in this checkout. */
const IMAGE_APP = '/opt/unimie-node/';
const asInImage = (file: string) => readFileSync(file.startsWith(IMAGE_APP) ? join(REPO, file.slice(IMAGE_APP.length)) : file, 'utf8');
const nodeConfig = loadConfig(join(DEPLOY, 'compose/node-config'), { readText: asInImage });
const shipped = loadConfig(join(REPO, 'config'));

/** Where a compose volume `./x:/y[:ro]` of a service is mounted from (relative to deploy/). */
function mountSource(service: ComposeService, target: string): string | undefined {
  const volume = service.volumes?.find((v) => v.split(':')[1] === target);
  return volume ? resolve(DEPLOY, volume.split(':')[0]!) : undefined;
}

describe('deploy/compose.yaml: node, Orthanc, Redis, one worker', () => {
  it('has the four services, node and worker from the one Dockerfile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['node', 'orthanc', 'redis', 'worker']);
    for (const s of ['node', 'worker']) {
      expect(compose.services[s]!.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(compose.services[s]!.image).toBe('unimie-node:latest');
    }
    expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime$/m);
  });

  it('builds with the install script a checkout uses, every file it reads copied in first', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const build = dockerfile.slice(dockerfile.indexOf('AS build'), dockerfile.indexOf('COPY . .'));
    expect(build).toMatch(/^RUN .*bash scripts\/setup\.sh/m);
    const copied = [...build.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    // The files setup.sh sources or runs (not those its comments and messages name).
    const setup = readFileSync(join(DEPLOY, '..', 'scripts/setup.sh'), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*#|\becho\b/.test(line))
      .join('\n');
    const read = [...new Set([...setup.matchAll(/(?:source |node )(scripts\/[\w./-]+)/g)].map((m) => m[1]!))];
    expect(read.length).toBeGreaterThan(1);
    for (const file of read) expect(copied.some((c) => file === c || file.startsWith(`${c}/`))).toBe(true);
  });

  it('mounts a node config that `config check` accepts, extending the shipped config/node.yaml of the image', async () => {
    expect(mountSource(compose.services.node!, '/etc/unimie-node')).toBe(join(DEPLOY, 'compose/node-config'));
    const nodeYaml = parse(readFileSync(join(DEPLOY, 'compose/node-config/node.yaml'), 'utf8')) as Record<string, unknown>;
    expect(nodeYaml.extends).toBe(`${IMAGE_APP}config/node.yaml`);
    // What it does not say comes from the shipped file: presets, windows, models, limits.
    for (const key of ['presets', 'windows', 'models', 'limits']) expect(nodeYaml, key).not.toHaveProperty(key);
    expect(nodeConfig.presets).toEqual(shipped.presets);
    expect(nodeConfig.windows).toEqual(shipped.windows);
    expect(Object.keys(nodeConfig.destinations)).toEqual(['pacs']);
    for (const rule of nodeConfig.rules) if ('destinations' in rule.actions) expect(rule.actions.destinations, rule.name).toEqual(['pacs']);
    expect(nodeConfig.executor).toMatchObject({ kind: 'bullmq', redis: { url: 'redis://redis:6379' } });

    // The CLI's `config check` on the same files laid out as in the image (its config/ under opt/unimie-node).
    const image = mkdtempSync(join(tmpdir(), 'compose-config-'));
    try {
      const app = join(image, IMAGE_APP);
      mkdirSync(join(app, 'model/embedded'), { recursive: true });
      cpSync(join(REPO, 'config'), join(app, 'config'), { recursive: true });
      cpSync(join(REPO, 'model/embedded/manifest.yaml'), join(app, 'model/embedded/manifest.yaml'));
      const etc = join(image, 'etc/unimie-node');
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'node.yaml'), readFileSync(join(DEPLOY, 'compose/node-config/node.yaml'), 'utf8').replace(`extends: ${IMAGE_APP}`, `extends: ${app}`));
      cpSync(join(DEPLOY, 'compose/node-config/rules.yaml'), join(etc, 'rules.yaml'));
      const check = await runTool(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '--config', etc, 'config', 'check'], 60_000, { cwd: REPO });
      expect(check.rc, check.output).toBe(0);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });

  it('agrees with itself: subnet, addresses, data volume, the model path in the image', () => {
    const subnet = compose.networks.default.ipam.config[0]!.subnet;
    expect(isHostPattern(subnet)).toBe(true);
    const [net] = subnet.split('/');
    const prefix = net!.split('.').slice(0, 3).join('.');
    for (const entry of nodeConfig.listeners[0]!.allow) for (const h of entry.hosts ?? []) expect(h.startsWith(prefix), `${entry.aeTitle} ${h}`).toBe(true);
    expect(nodeConfig.listeners[0]!.host).toBe('0.0.0.0');
    expect(compose.services.node!.ports).toEqual([`127.0.0.1:${nodeConfig.listeners[0]!.port}:${nodeConfig.listeners[0]!.port}`, `127.0.0.1:${nodeConfig.api.port}:${nodeConfig.api.port}`]);
    expect(compose.services.node!.volumes).toContain(`node-data:${nodeConfig.node.dataDir}`);
    const pacs = nodeConfig.destinations.pacs!;
    expect(pacs).toMatchObject({ kind: 'dimse', host: 'orthanc', aeTitle: compose.services.orthanc!.environment!.ORTHANC__DICOM_AET });
    // The image installs the release in /opt/unimie-node (Dockerfile); node and worker load its model.
    const manifest = '/opt/unimie-node/model/embedded/manifest.yaml';
    expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).toContain('-C /opt/unimie-node --strip-components=1');
    expect(nodeConfig.models.embedded!.manifest).toBe(manifest);
    const worker = compose.services.worker!.command!;
    expect(worker[worker.indexOf('--model') + 1]).toBe(manifest);
    expect(worker[worker.indexOf('--redis') + 1]).toBe(nodeConfig.executor.redis.url);
    const modalities = JSON.parse(compose.services.orthanc!.environment!.ORTHANC__DICOM_MODALITIES!) as Record<string, [string, string, number]>;
    expect(modalities.unimie).toEqual([nodeConfig.listeners[0]!.aeTitle, 'node', nodeConfig.listeners[0]!.port]);
  });

  describe("Orthanc's auto-route script", () => {
    let orthanc: OrthancHandle | undefined;
    let node: StoreScp | undefined;
    const work = mkdtempSync(join(tmpdir(), 'autoroute-'));

    afterAll(async () => {
      await orthanc?.stop();
      await node?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('sends what a modality stores on to the node, and keeps what the node sends back', async () => {
      // A storescp stands in for the node, under the modality name the compose file gives it.
      node = await startStoreScp({ dir: join(work, 'node'), aeTitle: 'UNIMIE' });
      const lua = mountSource(compose.services.orthanc!, '/etc/orthanc/lua/autoroute.lua')!;
      const scripts = JSON.parse(compose.services.orthanc!.environment!.ORTHANC__LUA_SCRIPTS!) as string[];
      expect(scripts).toEqual(['/etc/orthanc/lua/autoroute.lua']);
      orthanc = await startOrthanc({ modalities: { unimie: { AET: 'UNIMIE', Host: '127.0.0.1', Port: node.port } }, luaScripts: [lua] });
      const files = readdirSync(SAMPLE_DIR).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(SAMPLE_DIR, f));
      const received = () => readdirSync(node!.dir).length;

      const fromModality = await storescu({ port: orthanc.dicomPort, callingAeTitle: 'MODALITY', calledAeTitle: 'ORTHANC' }, files.slice(0, 2));
      expect(fromModality.rc, fromModality.output).toBe(0);
      const deadline = Date.now() + 30_000;
      while (received() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(received(), node.output()).toBe(2);

      const fromNode = await storescu({ port: orthanc.dicomPort, callingAeTitle: 'UNIMIE', calledAeTitle: 'ORTHANC' }, files.slice(2, 3));
      expect(fromNode.rc, fromNode.output).toBe(0);
      await new Promise((r) => setTimeout(r, 3000));
      expect(received()).toBe(2);
      expect((await orthanc.get<string[]>('/instances')).length).toBe(3);
    });
  });
});
