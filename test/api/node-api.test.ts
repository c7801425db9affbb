import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { apiDepsOf } from '../../src/app/node-api-deps.js';
import { NodeMetrics } from '../../src/api/node-metrics.js';
import { startApi, type RunningApi } from '../../src/api/build-api.js';
import { silentLogger } from '../../src/shared/log.js';
import { storescu } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { parseExposition, REPO, TOKEN } from './api-fixture.js';

const CT5N = join(REPO, 'sample-studies/ct5n');

/**
 * The API over a real node (startNode) on loopback and free ports: DCMTK storescu sends a CT
 * series, the node renders it (enhance: none) and delivers it to a folder, and the test follows it
 * through real HTTP requests, the way an admin or Prometheus would.
 */
describe('HTTP API over a running node (storescu → node → folder)', () => {
  let dir: string;
  let node: RunningNode;
  let api: RunningApi;
  let base: string;
  const metrics = new NodeMetrics();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-node-'));
    const dicomPort = await freePort();
    writeFileSync(
      join(dir, 'node.yaml'),
      `node: { aeTitle: UNIMIE, dataDir: ./var }
listeners:
  - name: main
    aeTitle: UNIMIE
    port: ${dicomPort}
    allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }]
destinations:
  outbox: { kind: folder, path: ./outbox }
api: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
limits: { minFreeDiskMb: 16 }
`,
    );
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [outbox] }
  - name: default
    default: true
    actions: { drop: true }
`,
    );
    node = await startNode({ configDir: dir, log: silentLogger, api: false, onJobEvent: (e) => metrics.observeJobEvent(e) });
    metrics.attach({
      db: node.db,
      destinations: () => Object.keys(node.config().destinations),
      diskFree: () => node.spool.diskFree(),
    });
    const deps = apiDepsOf(node, { log: silentLogger, metrics });
    metrics.attach({ listeners: deps.listeners });
    api = await startApi(deps, { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${api.port}`;
  });

  afterAll(async () => {
    await api?.close();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });
    return { status: r.status, text: await r.text(), type: r.headers.get('content-type') ?? '' };
  };
  const json = async (path: string, init?: RequestInit) => JSON.parse((await call(path, init)).text);

  it('is live and ready once the node started', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    const ready = await call('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).checks.find((c: { name: string }) => c.name === 'listeners')).toMatchObject({ ok: true, detail: '1 up' });
  });

  it('follows a study from arrival to delivery', async () => {
    const port = node.listeners[0]!.port();
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, readdirSync(CT5N).map((f) => join(CT5N, f)));
    expect(sent.rc, sent.output).toBe(0);

    const deadline = Date.now() + 60_000;
    let done: Array<{ id: number; seriesUid: string; studyUid: string }> = [];
    while (Date.now() < deadline) {
      done = await json('/api/jobs?state=done');
      const pending = (await json('/api/deliveries?state=pending')).length + (await json('/api/deliveries?state=sending')).length;
      if (done.length === 1 && pending === 0 && (await json('/api/deliveries?state=done')).length === 5) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(done).toHaveLength(1);
    const job = await json(`/api/jobs/${done[0]!.id}`);
    expect(job).toMatchObject({ state: 'done', ruleName: 'ct', action: { destinations: ['outbox'] } });
    expect(job.progress).toMatchObject({ slices: 5 });
    expect(job.derivedSeries).toHaveLength(1);

    const studies = await json('/api/studies');
    expect(studies).toEqual([expect.objectContaining({ studyUid: done[0]!.studyUid, series: 1, instances: 5, modalities: ['CT'] })]);
    const study = await json(`/api/studies/${done[0]!.studyUid}`);
    expect(study.derived.map((s: { seriesUid: string }) => s.seriesUid)).toEqual([job.derivedSeries[0].seriesUid]);
    const series = await json(`/api/series/${done[0]!.seriesUid}`);
    expect(series.instances).toHaveLength(5);

    const lineage = await json(`/api/lineage/${series.instances[0].sopInstanceUid}`);
    expect(lineage.derivations).toHaveLength(1);
    expect(lineage.derivations[0].deliveries).toEqual([expect.objectContaining({ destination: 'outbox', state: 'done' })]);
    const back = await json(`/api/lineage/${lineage.derivations[0].derivation.derivedSopInstanceUid}`);
    expect(back.derivedFrom.source[0].sopInstanceUid).toBe(series.instances[0].sopInstanceUid);

    // A render-only node (no preset): no executor.
    expect((await json('/api/status')).executor).toBeNull();

    const associations = await json('/api/associations');
    expect(associations[0]).toMatchObject({ callingAe: 'STORESCU', outcome: 'released', instancesReceived: 5 });
  });

  it('shows the traffic in /metrics', async () => {
    const m = await call('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    const v = parseExposition(m.text);
    expect(v.get('unimie_jobs{state="done"}')).toBe(1);
    expect(v.get('unimie_delivery_queue_depth{destination="outbox",state="done"}')).toBe(5);
    expect(v.get('unimie_job_transitions_total{state="running"}')).toBe(1);
    expect(v.get('unimie_job_transitions_total{state="done"}')).toBe(1);
    expect(v.get('unimie_job_stage_duration_seconds_count{stage="total"}')).toBe(1);
    expect(v.get('unimie_listener_up{listener="main"}')).toBe(1);
    expect(v.get('unimie_spool_disk_free_bytes')).toBeGreaterThan(0);
  });

  it('tests the folder destination and dry-runs the rules on a file', async () => {
    expect(await json('/api/destinations/outbox/echo', { method: 'POST' })).toMatchObject({ ok: true, kind: 'folder' });
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(join(CT5N, readdirSync(CT5N)[0]!));
    const r = await json('/api/rules/dry-run', { method: 'POST', body: file, headers: { 'content-type': 'application/dicom' } });
    expect(r.fired).toEqual(['ct']);
  });

  it('reports not ready after the node stopped, while still live', async () => {
    await node.stop();
    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    const checks = JSON.parse(ready.text).checks as Array<{ name: string; ok: boolean }>;
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['database', 'listeners']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
