import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { lineageOf } from '../../src/provenance/lineage.js';
import { listSeries } from '../../src/provenance/series.js';
import { listBySeries } from '../../src/provenance/instances.js';
import type { RetentionReport } from '../../src/retention/cleaner.js';
import { silentLogger } from '../../src/shared/log.js';
import { runTool, storescu } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir, SAMPLES } from '../e2e/node-harness.js';
import { until, writeRetentionConfig } from './retention-config.js';

const CT = join(SAMPLES, 'ct-small', 'CT_small.dcm');
const MR = join(SAMPLES, 'mr-small', 'MR_small.dcm');

/** Every regular file under a folder. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];

/**
 * A node on a temp data folder receives a CT series (rendered and delivered to a folder
 * destination) and an MR series whose destination is down (its delivery dies: undelivered).
 * Retention with a tiny maxAgeDays removes the CT originals and derived objects, keeps the MR
 * series, never touches the folder destination (not listed), and says "purged" in the lineage.
 */
describe('retention on a running node', () => {
  let dir: string;
  let node: RunningNode;
  let port: number;
  let api: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'retention-node-'));
    port = await freePort();
    writeRetentionConfig(dir, {
      port,
      dataDir: './var',
      outDir: './out',
      downPort: await freePort(),
      minFreeDiskMb: 16,
      // 0.00002 days = 1.7 s.
      retentionYaml: '  intervalMinutes: 600\n  originals: { maxAgeDays: 0.00002 }\n  derived: { maxAgeDays: 0.00002 }\n  database: { maxAgeDays: 3650 }',
    });
    node = await startNode({ configDir: dir, log: silentLogger });
    api = `http://127.0.0.1:${node.api!.port}`;
    for (const file of [CT, MR]) {
      const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file]);
      expect(sent.rc, sent.output).toBe(0);
    }
    await until('the CT delivered and the MR delivery dead', () => {
      const d = listDeliveries(node.db);
      return d.some((r) => r.destination === 'out' && r.state === 'done') && d.some((r) => r.destination === 'down' && r.state === 'dead');
    });
  });

  afterAll(async () => {
    await node?.stop();
    if (dir) removeDir(dir);
  });

  const seriesOf = (modality: string) => listSeries(node.db).find((s) => s.modality === modality)!;

  it('a dry run (API and CLI) lists the delivered CT series and keeps the undelivered MR, deleting nothing', async () => {
    await new Promise((r) => setTimeout(r, 2000)); // past maxAgeDays
    const ct = seriesOf('CT');
    const derived = listDerivedSeriesBySource(node.db, ct.seriesUid)[0]!;
    const r = await fetch(`${api}/api/retention`);
    expect(r.status).toBe(200);
    const plan = (await r.json()) as { items: Array<{ folder: string; key: string; reason: string; files: string[] }>; folders: Array<{ folder: string; blocked: Record<string, number> }>; runs: unknown[] };
    expect(plan.items.map((i) => `${i.folder} ${i.key} ${i.reason}`).sort()).toEqual([`derived ${derived.seriesUid} max-age`, `originals ${ct.seriesUid} max-age`].sort());
    expect(plan.folders.find((f) => f.folder === 'originals')!.blocked).toEqual({ 'dead delivery': 1 });
    expect(plan.runs).toEqual([]);
    for (const i of plan.items) for (const f of i.files) expect(existsSync(f)).toBe(true);

    const cli = await runTool(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', dir, '--json', 'retention', '--dry-run'], 60_000, { cwd: REPO });
    expect(cli.rc, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout) as RetentionReport;
    expect(report.dryRun).toBe(true);
    expect(report.items.map((i) => i.key).sort()).toEqual(plan.items.map((i) => i.key).sort());
    expect(report.rows).toMatchObject({ series: 0, instances: 0 });
    for (const i of report.items) for (const f of i.files) expect(existsSync(f)).toBe(true);

    const text = await runTool(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', dir, 'retention'], 60_000, { cwd: REPO });
    expect(text.stdout).toMatch(/originals: 2 unit\(s\).*would delete 1 .*kept: 1 dead delivery/);
    expect(text.stdout).toContain('dry run: nothing was deleted');
  });

  it('a run deletes the CT originals and derived files, keeps the MR and the folder destination, and records it', async () => {
    const ct = seriesOf('CT');
    const mr = seriesOf('MR');
    const outBefore = filesUnder(join(dir, 'out'));
    expect(outBefore.length).toBe(1);
    const ctFiles = listBySeries(node.db, ct.seriesUid).map((i) => i.path);
    const mrFiles = listBySeries(node.db, mr.seriesUid).map((i) => i.path);

    const report = await node.retention.run({ mode: 'manual' });
    expect(report.errors).toEqual([]);
    expect(report.result).toMatchObject({ units: 2, skipped: [] });
    for (const f of ctFiles) expect(existsSync(f)).toBe(false);
    for (const f of mrFiles) expect(existsSync(f)).toBe(true);
    expect(filesUnder(join(dir, 'var/spool/derived')).length).toBe(1); // the MR's derived object (undelivered)
    expect(filesUnder(join(dir, 'out'))).toEqual(outBefore);
    // No empty study/series folders are left behind.
    expect(existsSync(join(dir, 'var/spool/studies', ct.studyUid))).toBe(false);

    // Rows stay, marked; the lineage of the delivered object says what is gone and does not fail.
    const delivered = listDeliveries(node.db, { destination: 'out' })[0]!;
    const l = lineageOf(node.db, delivered.sopInstanceUid);
    expect(l.derivedFrom!.derivation.purgedAt).toBeGreaterThan(0);
    expect(l.derivedFrom!.source[0]!.purgedAt).toBeGreaterThan(0);
    expect(l.derivedFrom!.deliveries[0]).toMatchObject({ destination: 'out', state: 'done' });
    const png = await fetch(`${api}/api/derived/${delivered.sopInstanceUid}.png`);
    expect(png.status).toBe(404);
    expect(((await png.json()) as { message: string }).message).toContain('purged by retention');
    const series = (await (await fetch(`${api}/api/series/${ct.seriesUid}`)).json()) as { instances: Array<{ purgedAt: number | null }> };
    expect(series.instances.map((i) => i.purgedAt! > 0)).toEqual([true]);

    // Recorded: the run (API), the metrics, and nothing more to delete.
    const after = (await (await fetch(`${api}/api/retention`)).json()) as { items: unknown[]; runs: Array<{ mode: string; files: number; bytes: number }> };
    expect(after.items).toEqual([]);
    expect(after.runs).toEqual([expect.objectContaining({ mode: 'manual', files: 2 })]);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/unimie_retention_purged_files_total\{folder="originals",reason="max-age"\} 1/);
    expect(metrics).toMatch(/unimie_retention_purged_files_total\{folder="derived",reason="max-age"\} 1/);
    expect(metrics).toMatch(/unimie_retention_last_run_timestamp_seconds\{mode="manual"\} \d/);
  });

  it('takes a purged original again when it is re-sent, and processes it', async () => {
    const ct = seriesOf('CT');
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [CT]);
    expect(sent.rc, sent.output).toBe(0);
    const [copy] = listBySeries(node.db, ct.seriesUid);
    expect(copy!.purgedAt).toBeNull();
    expect(existsSync(copy!.path)).toBe(true);
    // Not yet processed again: the series waits for its job and is kept.
    const plan = await node.retention.run({ dryRun: true });
    expect(plan.items.find((i) => i.key === ct.seriesUid)).toBeUndefined();
  });
});
