import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * node.yaml and rules.yaml of a retention test node in `dir`: CT is rendered (no model) and
 * delivered to the folder destination `out`; MR goes to `down`, a DIMSE destination nobody listens
 * on, whose single attempt dies at once (undelivered data). `retentionYaml` is the retention section.
 */
export function writeRetentionConfig(
  dir: string,
  o: { port: number; dataDir: string; outDir: string; downPort: number; minFreeDiskMb: number; retentionYaml: string },
): void {
  writeFileSync(
    join(dir, 'node.yaml'),
    `node: { aeTitle: UNIMIE, dataDir: ${o.dataDir}, logLevel: silent }
listeners:
  - { name: main, aeTitle: UNIMIE, host: 127.0.0.1, port: ${o.port}, allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }] }
destinations:
  out: { kind: folder, path: ${o.outDir} }
  down: { kind: dimse, aeTitle: DOWN, host: 127.0.0.1, port: ${o.downPort}, maxAttempts: 1, timeoutSeconds: 2 }
api: { host: 127.0.0.1, port: 0 }
limits: { minFreeDiskMb: ${o.minFreeDiskMb} }
retention:
${o.retentionYaml}
`,
  );
  writeFileSync(
    join(dir, 'rules.yaml'),
    `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [out] }
  - name: mr
    match: { modality: MR }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { windows: [file], enhance: none, output: sc-rgb, destinations: [down] }
  - name: default
    default: true
    actions: { drop: true }
`,
  );
}

/** Polls until `probe` returns a truthy value. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
