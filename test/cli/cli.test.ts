import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { runTool, startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { claimDueDeliveries, enqueueDelivery, getDelivery, markDeliveryFailed } from '../../src/provenance/deliveries.js';
import type { RunningNode } from '../../src/app/node.js';
import { REPO, removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from '../e2e/node-harness.js';

/**
 * Runs `unimie-node <args>` as an admin would (asynchronously: the node under test runs in this
 * process and must keep answering) and returns its exit status and output.
 */
async function cli(configDir: string, ...args: string[]): Promise<{ rc: number; out: string; json: <T = unknown>() => T }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, ...args],
      { cwd: REPO, encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) => {
        const rc = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ rc, out: `${stdout}${stderr}`, json: <T,>() => JSON.parse(stdout) as T });
      },
    );
  });
}

describe('unimie-node command line', () => {
  let configDir: string;
  let node: RunningNode;
  let pacs: StoreScp;
  let port: number;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cli-'));
    pacs = await startStoreScp({ dir: join(work, 'pacs'), aeTitle: 'PACS' });
    port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: pacs.port } });
    node = await startTestNode(configDir);
  });

  afterAll(async () => {
    await node?.stop();
    await pacs?.stop();
    removeDir(configDir);
    removeDir(work);
  });

  it('config check validates and summarises, and names file and line of an error', async () => {
    const ok = await cli(configDir, '--json', 'config', 'check');
    expect(ok.rc, ok.out).toBe(0);
    expect(ok.json()).toMatchObject({ ok: true, listeners: 1, rules: 3 });
    const bad = await cli(join(REPO, 'test/fixtures/does-not-exist'), 'config', 'check');
    expect(bad.rc).toBe(1);
    expect(bad.out).toMatch(/does-not-exist\/node\.yaml.*cannot read/);
  });

  it('rules test says which rule fires for each file', async () => {
    const r = await cli(configDir, 'rules', 'test', join(SAMPLES, 'ct5n'), join(SAMPLES, 'rgb'));
    expect(r.rc, r.out).toBe(0);
    expect(r.out).toMatch(/ct/);
    expect(r.out).toMatch(/default/);
  });

  it('send, then lineage of a derived instance back to its source', async () => {
    const sent = await cli(configDir, '--json', 'send', join(SAMPLES, 'ct5n'), '--to', `UNIMIE@127.0.0.1:${port}`);
    expect(sent.rc, sent.out).toBe(0);
    expect(sent.json<{ sent: number }>().sent).toBe(5);
    await waitForIdle(node);
    const derived = node.db.prepare('SELECT derived_sop_instance_uid AS uid, source_sop_instance_uid AS src FROM derivations LIMIT 1').get() as { uid: string; src: string };
    const l = await cli(configDir, '--json', 'lineage', derived.uid);
    expect(l.rc, l.out).toBe(0);
    expect(l.json<{ derivedFrom: { derivation: { sourceSopInstanceUid: string } } }>().derivedFrom.derivation.sourceSopInstanceUid).toBe(derived.src);
    expect(readdirSync(join(work, 'pacs'), { recursive: true }).length).toBeGreaterThanOrEqual(5);
  });

  it('echo tests a destination', async () => {
    const r = await cli(configDir, 'echo', 'pacs');
    expect(r.rc, r.out).toBe(0);
    expect(r.out).toMatch(/pacs: ok/);
  });

  it('requeue puts a dead delivery back in the queue', async () => {
    const { delivery } = enqueueDelivery(
      node.db,
      { destination: 'gone', sopInstanceUid: '2.25.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxUid: '1.2.840.10008.1.2.1', seriesUid: '2.25.2', path: '/nonexistent', jobId: null },
      Date.now(),
    );
    claimDueDeliveries(node.db, { now: Date.now(), limit: 10, destinations: ['gone'] });
    markDeliveryFailed(node.db, delivery.id, { now: Date.now(), error: 'refused', permanent: true, maxAttempts: 1, retryDelayMs: () => 0 });
    expect(getDelivery(node.db, delivery.id)?.state).toBe('dead');
    const r = await cli(configDir, 'requeue', `delivery:${delivery.id}`);
    expect(r.rc, r.out).toBe(0);
    expect(getDelivery(node.db, delivery.id)?.state).toBe('pending');
    expect((await cli(configDir, 'requeue', `delivery:${delivery.id}`)).rc).toBe(1);
  });

  it('enhance works offline: DICOM in, derived DICOM or PNG out', async () => {
    const out = join(work, 'enhanced');
    const r = await cli(configDir, 'enhance', join(SAMPLES, 'ct-small'), '-o', out, '--preset', 'fast');
    expect(r.rc, r.out).toBe(0);
    expect(existsSync(join(out, 'CT_small.enhanced.dcm'))).toBe(true);
    const png = await cli(configDir, 'enhance', join(SAMPLES, 'ct-small'), '-o', out, '--preset', 'fast', '--png');
    expect(png.rc, png.out).toBe(0);
    expect(existsSync(join(out, 'CT_small.enhanced.png'))).toBe(true);
  });

  it('enhance --network-free runs the preset\'s twin: its own file and series, said to be network-free and not UniMIE', async () => {
    const out = join(work, 'twin');
    const r = await cli(configDir, 'enhance', join(SAMPLES, 'ct-small'), '-o', out, '--preset', 'fast', '--network-free');
    expect(r.rc, r.out).toBe(0);
    const twin = readPart10(readFileSync(join(out, 'CT_small.network-free.enhanced.dcm'))).dataset;
    const real = readPart10(readFileSync(join(work, 'enhanced', 'CT_small.enhanced.dcm'))).dataset;
    expect(String(twin.DerivationDescription)).toMatch(/network-free/);
    expect(String(twin.DerivationDescription)).toMatch(/not UniMIE/);
    expect(String(twin.SeriesDescription)).not.toMatch(/UniMIE/);
    expect(twin.SeriesInstanceUID).not.toBe(real.SeriesInstanceUID);
  });

  it('enhance writes the output kind asked for, each valid for dciodvfy, and refuses an unknown one', async () => {
    for (const [kind, sopClass] of [
      ['derived-grayscale', '1.2.840.10008.5.1.4.1.1.2'],
      ['mf-sc-rgb', '1.2.840.10008.5.1.4.1.1.7.4'],
    ] as const) {
      const out = join(work, `enhanced-${kind}`);
      const r = await cli(configDir, 'enhance', join(SAMPLES, 'ct-small'), '-o', out, '--preset', 'fast', '--output', kind);
      expect(r.rc, r.out).toBe(0);
      const file = join(out, 'CT_small.enhanced.dcm');
      expect(readPart10(readFileSync(file)).dataset.SOPClassUID).toBe(sopClass);
      const v = await runTool('dciodvfy', [file]);
      expect(v.output).not.toMatch(/^Error/m);
    }
    const bad = await cli(configDir, 'enhance', join(SAMPLES, 'ct-small'), '-o', join(work, 'x'), '--output', 'jpeg');
    expect(bad.rc).not.toBe(0);
    expect(bad.out).toMatch(/--output jpeg: not an output kind/);
  });
});
