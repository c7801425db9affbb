import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '../../src/shared/log.js';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { createEngineEnhancer } from '../../src/pipeline/engine-enhancer.js';
import { countDeliveriesByState } from '../../src/provenance/deliveries.js';
import { countJobsByState } from '../../src/provenance/jobs.js';

/** A node configuration for tests: one listener, an Orthanc destination, one rule per modality. */
export interface TestNodeConfig {
  port: number;
  transport: 'dcmjs-dimse' | 'dicom-dimse-native';
  pacs: { aeTitle: string; port: number };
  quietSeconds?: number;
  /** Window presets for CT (one derived series each); default [soft-tissue]. */
  ctWindows?: string[];
  /** Preset for CT/MR, or 'none' for the render-only stage. */
  enhance?: string;
  presetYaml?: string;
  /** API port (0 = any free port). */
  apiPort?: number;
  /** Allow any caller (`*`): the DCMTK-based listener cannot refuse callers. */
  allowAnyCaller?: boolean;
  /** More destinations, as YAML lines indented under `destinations:`. */
  extraDestinationsYaml?: string;
  /** rules.yaml in place of the CT/MR rules. */
  rulesYaml?: string;
  /** node.contributionRecord (relative to the config folder); default: the shipped record. */
  contributionRecord?: string;
}

export const REPO = resolve(import.meta.dirname, '../..');
export const SAMPLES = join(REPO, 'sample-studies');

export const EMBEDDED_MANIFEST = join(REPO, 'model/embedded/manifest.yaml');

/**
 * node.yaml of a node that takes series from STORESCU on `port`, enhances with the shipped
 * embedded model and writes to the folder destination `out` (./out); `extraYaml` adds sections.
 */
export function writeFolderNodeYaml(dir: string, o: { port: number; presets: Record<string, string>; logLevel?: string; extraYaml?: string }): void {
  writeFileSync(
    join(dir, 'node.yaml'),
    `node: { aeTitle: UNIMIE, dataDir: ./var${o.logLevel ? `, logLevel: ${o.logLevel}` : ''} }
listeners:
  - { name: main, aeTitle: UNIMIE, port: ${o.port}, allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }] }
destinations:
  out: { kind: folder, path: ./out }
models:
  embedded: { manifest: ${EMBEDDED_MANIFEST} }
presets:
${Object.entries(o.presets)
  .map(([name, yaml]) => `  ${name}: ${yaml}\n`)
  .join('')}api: { port: 0 }
limits: { minFreeDiskMb: 16 }
${o.extraYaml ?? ''}`,
  );
}

/** Writes node.yaml + rules.yaml into a fresh temp folder; returns the folder. */
export function writeTestConfig(c: TestNodeConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'node-e2e-'));
  writeFileSync(
    join(dir, 'node.yaml'),
    `node:
  aeTitle: UNIMIE
  dataDir: ./var
  logLevel: warn
${c.contributionRecord ? `  contributionRecord: ${c.contributionRecord}\n` : ''}listeners:
  - name: main
    aeTitle: UNIMIE
    host: 127.0.0.1
    port: ${c.port}
    transport: ${c.transport}
    allow:
${c.allowAnyCaller ? "      - aeTitle: '*'" : `      - aeTitle: STORESCU\n        hosts: [127.0.0.1]\n      - aeTitle: ${c.pacs.aeTitle}\n        hosts: [127.0.0.1]`}
destinations:
  pacs:
    kind: dimse
    aeTitle: ${c.pacs.aeTitle}
    host: 127.0.0.1
    port: ${c.pacs.port}
    maxAttempts: 5
    backoff: { initialSeconds: 0.2, maxSeconds: 1 }
${c.extraDestinationsYaml ?? ''}models:
  embedded:
    manifest: ${join(REPO, 'model/embedded/manifest.yaml')}
presets:
${c.presetYaml ?? '  fast:\n    model: embedded\n    steps: 4\n    seed: 7'}
api:
  port: ${c.apiPort ?? 0}
limits:
  minFreeDiskMb: 16
`,
  );
  writeFileSync(
    join(dir, 'rules.yaml'),
    c.rulesYaml ??
      `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: ${c.quietSeconds ?? 1} }
    actions: { windows: [${(c.ctWindows ?? ['soft-tissue']).join(', ')}], enhance: ${c.enhance ?? 'none'}, output: sc-rgb, destinations: [pacs] }
  - name: mr
    match: { modality: MR }
    completion: { scope: series, quietSeconds: ${c.quietSeconds ?? 1} }
    actions: { windows: [file], enhance: ${c.enhance ?? 'none'}, output: sc-rgb, destinations: [pacs] }
  - name: default
    default: true
    actions: { drop: true }
`,
  );
  return dir;
}

export async function startTestNode(configDir: string): Promise<RunningNode> {
  return startNode({ configDir, log: silentLogger, createEnhancer: createEngineEnhancer });
}

/** Waits until no job or delivery is pending/running and the router has nothing open. */
export async function waitForIdle(node: RunningNode, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Give the arrival router a moment to open its completion window for what was just stored.
  await new Promise((r) => setTimeout(r, 200));
  while (Date.now() < deadline) {
    const jobs = countJobsByState(node.db);
    const del = countDeliveriesByState(node.db);
    if (!jobs.pending && !jobs.running && !jobs.failed && !del.pending && !del.sending && node.router.pendingCount() === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`node not idle after ${timeoutMs} ms: jobs ${JSON.stringify(countJobsByState(node.db))}`);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
