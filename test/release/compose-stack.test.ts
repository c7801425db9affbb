import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { isHostPattern } from '../../src/config/resolve-node.js';
import { startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';

/**
 * deploy/compose.yaml cannot run here (no Docker daemon), so what can be checked without it is:
 * the node's config is valid and keeps the shipped presets and rules, the files agree with each
 * other (addresses, paths, the model in the image), and Orthanc's auto-route script routes with
 * Debian's Orthanc as it would in the orthanc container.
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
const nodeConfig = loadConfig(join(DEPLOY, 'compose/node-config'));
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

  it("mounts a valid node config that keeps the shipped presets, windows and rules (only the destination differs)", () => {
    expect(mountSource(compose.services.node!, '/etc/unimie-node')).toBe(join(DEPLOY, 'compose/node-config'));
    for (const [name, preset] of Object.entries(nodeConfig.presets)) expect(preset, `preset ${name}`).toEqual(shipped.presets[name]);
    expect(Object.keys(nodeConfig.presets).sort()).toEqual(['ct-default', 'endoscopy-default', 'mr-default']);
    expect(nodeConfig.windows).toEqual(shipped.windows);
    const withoutDestinations = (rules: typeof shipped.rules) => rules.map((r) => ({ ...r, actions: 'destinations' in r.actions ? { ...r.actions, destinations: [] } : r.actions }));
    expect(withoutDestinations(nodeConfig.rules)).toEqual(withoutDestinations(shipped.rules));
    expect(nodeConfig.executor).toMatchObject({ kind: 'bullmq', redis: { url: 'redis://redis:6379' } });
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
