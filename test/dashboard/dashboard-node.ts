import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../e2e/node-harness.js';

export const TOKEN = 'dashboard-test-token-5e1c7a90';

/** Ports of a dashboard test node; `late` is a DICOM destination nobody listens on at first. */
export interface DashboardNodePorts {
  dicom: number;
  api: number;
  late: number;
}

/**
 * Writes node.yaml and rules.yaml for the dashboard test into a fresh temp folder: one listener,
 * a folder destination that always works, a DIMSE destination `late` on a closed port with one
 * attempt (its deliveries go dead at once), the shipped model with a 4-step preset, and the API
 * with a token.
 */
export function writeDashboardConfig(ports: DashboardNodePorts): string {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  writeFileSync(
    join(dir, 'node.yaml'),
    `node: { aeTitle: UNIMIE, dataDir: ./var, logLevel: warn }
listeners:
  - name: main
    aeTitle: UNIMIE
    host: 127.0.0.1
    port: ${ports.dicom}
    allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }]
destinations:
  outbox: { kind: folder, path: ./outbox }
  late: { kind: dimse, aeTitle: LATE, host: 127.0.0.1, port: ${ports.late}, maxAttempts: 1 }
models:
  embedded: { manifest: ${join(REPO, 'model/embedded/manifest.yaml')} }
presets:
  fast: { model: embedded, steps: 4, seed: 7 }
api: { host: 127.0.0.1, port: ${ports.api}, token: ${TOKEN} }
limits: { minFreeDiskMb: 16 }
`,
  );
  writeFileSync(
    join(dir, 'rules.yaml'),
    `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: fast, output: sc-rgb, destinations: [outbox, late] }
  - name: default
    default: true
    actions: { drop: true }
`,
  );
  return dir;
}
