import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { storescu } from '../helpers/dcmtk.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { derivationsOfSeries } from '../../src/provenance/derivations.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import type { RunningNode } from '../../src/app/node.js';
import { EMBEDDED_MANIFEST as MANIFEST, removeDir, SAMPLES, startTestNode, waitForIdle, writeFolderNodeYaml } from './node-harness.js';

/**
 * The whole path with the shipped prior: a CT series is rendered once as is and once enhanced
 * (two rules, the first with `continue`); the enhanced pixels differ from the render-only ones and
 * the provenance rows record model id and hash, preset, seed and steps.
 */
describe('enhancement through the pipeline with the shipped model', () => {
  let dir: string;
  let node: RunningNode | undefined;

  afterAll(async () => {
    await node?.stop();
    if (dir) removeDir(dir);
  });

  it('writes an enhanced series that differs from the render-only one, with full provenance', async () => {
    if (!existsSync(MANIFEST)) throw new Error(`the shipped model is missing: ${MANIFEST}`);
    dir = mkdtempSync(join(tmpdir(), 'enhance-e2e-'));
    const port = await freePort();
    writeFolderNodeYaml(dir, { port, presets: { fast: '{ model: embedded, steps: 4, seed: 7 }' } });
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: ct-render
    match: { modality: CT }
    completion: { quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: none, destinations: [out] }
    continue: true
  - name: ct-enhance
    match: { modality: CT }
    completion: { quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: fast, destinations: [out] }
  - name: default
    default: true
    actions: { drop: true }
`,
    );
    node = await startTestNode(dir);
    const file = join(SAMPLES, 'ct-small', 'CT_small.dcm');
    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file])).rc).toBe(0);
    await waitForIdle(node, 300_000);

    const source = readPart10(readFileSync(file)).dataset;
    const derived = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
    expect(derived).toHaveLength(2);
    const rows = derived.map((d) => derivationsOfSeries(node!.db, d.seriesUid)[0]!);
    const rendered = rows.find((r) => r.stage === 'render')!;
    const enhanced = rows.find((r) => r.stage === 'enhance')!;
    expect(rendered).toBeDefined();
    expect(enhanced).toBeDefined();

    const manifest = await loadManifest(MANIFEST);
    expect(enhanced.model_id).toBe('embedded');
    expect(enhanced.model_sha256).toBe(manifest.manifest.sha256);
    expect(enhanced.preset).toBe('fast');
    expect(enhanced.seed).toBe(7);
    expect(enhanced.steps).toBe(4);
    expect(enhanced.source_sop_instance_uid).toBe(source.SOPInstanceUID);

    const pixels = (path: string): Uint8Array => {
      const ds = readPart10(readFileSync(path)).dataset;
      return new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!);
    };
    const a = pixels(rendered.path);
    const b = pixels(enhanced.path);
    expect(a.length).toBe(b.length);
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
    expect(differing / a.length).toBeGreaterThan(0.05);

    const enhancedDs = readPart10(readFileSync(enhanced.path)).dataset;
    expect(String(enhancedDs.DerivationDescription)).toContain(`sha256:${manifest.manifest.sha256.slice(0, 16)}`);
    expect(String(enhancedDs.DerivationDescription)).toContain('preset fast (4-step schedule, seed 7)');
    // No measurement of preset `fast` in any contribution record: labelled classical, never UniMIE.
    expect(String(enhancedDs.DerivationDescription)).toContain('Classical enhancement, not UniMIE (no measurement of the network contribution');
    expect(String(enhancedDs.SeriesDescription)).not.toMatch(/UniMIE/);
    expect(enhanced.named_unimie).toBe(0);
    expect(enhanced.network_evaluations).toBeGreaterThan(0);

    // The run shows in /metrics: diffusion steps, model time on the CPU, deliveries.
    const metrics = (await node.metrics.scrape()).body;
    expect(metrics).toMatch(/^unimie_diffusion_steps_total [1-9]/m);
    const stored = node.db.prepare('SELECT size FROM instances').get() as { size: number };
    expect(metrics).toContain(`unimie_received_bytes_total ${stored.size}`);
    expect(metrics).toMatch(/^unimie_model_execution_seconds_count\{device="cpu"\} [1-9]/m);
    expect(metrics).toMatch(/^unimie_delivery_attempts_total\{destination="out",verdict="delivered"\} 2$/m);
  });
});
