import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import { freePort } from '../helpers/ports.js';
import { bearer, createApiFixture, parseExposition, type ApiFixture } from './api-fixture.js';
import { seedProvenance } from './seed.js';

describe('/metrics, /readyz and /healthz over a real SQLite file', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort() });
    seedProvenance(fx.db);
    app = buildApi(fx.deps);
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  const scrape = async () => {
    const r = await app.inject({ method: 'GET', url: '/metrics', headers: bearer() });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    return { text: r.body, values: parseExposition(r.body) };
  };

  it('exposes the hook-fed counters and histograms with their labels and values', async () => {
    const m = fx.metrics;
    m.associationAccepted('main');
    m.associationAccepted('main');
    m.associationRejected('main', 'calling AE title not allowed');
    m.instanceReceived('1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 1000);
    m.instanceReceived('1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 2500);
    m.instanceFailed('PACS_E_NOT_DICOM');
    m.jobStateChanged('running');
    m.jobStageDuration('render', 0.3);
    m.jobStageDuration('enhance', 12);
    m.deliveryAttempt('pacs', 'done', 0.2);
    m.deliveryAttempt('pacs', 'retry', 3);
    m.diffusionSteps(20, 4, 9);
    m.modelExecution('cpu', 0.02);
    m.error('PACS_E_TRANSPORT_TRANSIENT');
    m.observeJobEvent({ type: 'done', jobId: 1, derived: 2, ms: 1500 });
    m.observeJobEvent({ type: 'failed', jobId: 2, state: 'dead', error: 'x' });

    const { text, values } = await scrape();
    const v = (key: string) => values.get(key);
    expect(v('unimie_associations_accepted_total{listener="main"}')).toBe(2);
    expect(v('unimie_associations_rejected_total{listener="main",reason="calling AE title not allowed"}')).toBe(1);
    expect(v('unimie_instances_received_total{sop_class="1.2.840.10008.5.1.4.1.1.2",transfer_syntax="1.2.840.10008.1.2.1"}')).toBe(2);
    expect(v('unimie_received_bytes_total')).toBe(3500);
    expect(v('unimie_instances_failed_total{reason_code="PACS_E_NOT_DICOM"}')).toBe(1);
    expect(v('unimie_job_transitions_total{state="running"}')).toBe(1);
    expect(v('unimie_job_transitions_total{state="done"}')).toBe(1);
    expect(v('unimie_job_transitions_total{state="dead"}')).toBe(1);
    expect(v('unimie_job_stage_duration_seconds_count{stage="render"}')).toBe(1);
    expect(v('unimie_job_stage_duration_seconds_sum{stage="enhance"}')).toBe(12);
    expect(v('unimie_job_stage_duration_seconds_bucket{le="1",stage="render"}')).toBe(1);
    expect(v('unimie_job_stage_duration_seconds_bucket{le="10",stage="enhance"}')).toBe(0);
    expect(v('unimie_job_stage_duration_seconds_sum{stage="total"}')).toBe(1.5);
    expect(v('unimie_delivery_attempts_total{destination="pacs",verdict="done"}')).toBe(1);
    expect(v('unimie_delivery_attempts_total{destination="pacs",verdict="retry"}')).toBe(1);
    expect(v('unimie_delivery_latency_seconds_count{destination="pacs"}')).toBe(2);
    expect(v('unimie_delivery_latency_seconds_sum{destination="pacs"}')).toBeCloseTo(3.2);
    expect(v('unimie_diffusion_steps_total')).toBe(20);
    expect(v('unimie_diffusion_seconds_total')).toBe(4);
    expect(v('unimie_diffusion_steps_per_second')).toBe(5);
    expect(v('unimie_diffusion_patches_per_step')).toBe(9);
    expect(v('unimie_model_execution_seconds_count{device="cpu"}')).toBe(1);
    expect(v('unimie_errors_total{kind="PACS_E_TRANSPORT_TRANSIENT"}')).toBe(1);
    expect(v('unimie_errors_total{kind="job_failed"}')).toBe(1);
    expect(text).toContain('# TYPE unimie_job_stage_duration_seconds histogram');
    expect(text).toContain('# HELP unimie_delivery_queue_depth');
    // Default process metrics are in the node's own registry.
    expect(values.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('computes the queue, job, disk and listener gauges from their sources at scrape time', async () => {
    const { values } = await scrape();
    const v = (key: string) => values.get(key);
    expect(v('unimie_jobs{state="done"}')).toBe(1);
    expect(v('unimie_jobs{state="running"}')).toBe(1);
    expect(v('unimie_jobs{state="dead"}')).toBe(1);
    expect(v('unimie_jobs{state="pending"}')).toBe(1);
    expect(v('unimie_jobs{state="superseded"}')).toBe(0);
    expect(v('unimie_delivery_queue_depth{destination="outbox",state="done"}')).toBe(1);
    expect(v('unimie_delivery_queue_depth{destination="outbox",state="pending"}')).toBe(1);
    expect(v('unimie_delivery_queue_depth{destination="pacs",state="dead"}')).toBe(1);
    expect(v('unimie_delivery_queue_depth{destination="down",state="pending"}')).toBe(0);
    expect(v('unimie_spool_disk_free_bytes')).toBe(fx.state.disk.freeBytes);
    expect(v('unimie_spool_disk_total_bytes')).toBe(fx.state.disk.totalBytes);
    expect(v('unimie_listener_up{listener="main"}')).toBe(1);

    // A requeue through the API shows in the next scrape.
    const dead = (await app.inject({ method: 'GET', url: '/api/deliveries?state=dead', headers: bearer() })).json()[0];
    await app.inject({ method: 'POST', url: `/api/deliveries/${dead.id}/requeue`, headers: bearer() });
    fx.state.disk = { freeBytes: 123, totalBytes: 456 };
    const after = await scrape();
    expect(after.values.get('unimie_delivery_queue_depth{destination="pacs",state="dead"}')).toBe(0);
    expect(after.values.get('unimie_delivery_queue_depth{destination="pacs",state="pending"}')).toBe(1);
    expect(after.values.get('unimie_spool_disk_free_bytes')).toBe(123);
    fx.state.disk = { freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 };
  });

  it('needs credentials for /metrics and /readyz but not /healthz', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('/readyz is 200 when everything is up and 503 naming each failing check', async () => {
    const ready = async () => app.inject({ method: 'GET', url: '/readyz', headers: bearer() });
    const ok = await ready();
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ready: true });
    expect(ok.json().checks.map((c: { name: string }) => c.name)).toEqual(['database', 'disk', 'models', 'listeners']);

    fx.state.disk = { freeBytes: 10 * 1024 * 1024, totalBytes: 100 * 1024 ** 3 };
    let r = await ready();
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.find((c: { name: string }) => c.name === 'disk')).toEqual({ name: 'disk', ok: false, detail: '10 MiB free, threshold 100 MiB' });
    fx.state.disk = { freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 };

    fx.state.listeners = [{ name: 'main', port: 11112, up: false }];
    r = await ready();
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.find((c: { name: string }) => c.name === 'listeners')).toMatchObject({ ok: false, detail: 'down: main' });
    fx.state.listeners = [];
    expect((await ready()).statusCode).toBe(503);
    fx.state.listeners = [{ name: 'main', port: 11112, up: true }];

    fx.state.models = [{ id: 'embedded', loaded: false, problem: 'manifest not found' }];
    r = await ready();
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.find((c: { name: string }) => c.name === 'models')).toMatchObject({ ok: false, detail: 'not loaded: embedded (manifest not found)' });
    fx.state.models = [{ id: 'embedded', sha256: 'ab'.repeat(32), loaded: true }];
    expect((await ready()).statusCode).toBe(200);
  });

  it('/readyz is 503 while another connection holds the write lock', async () => {
    const { openDatabase } = await import('../../src/provenance/database.js');
    const other = openDatabase(fx.db.name);
    other.pragma('busy_timeout = 0');
    fx.db.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      const r = await app.inject({ method: 'GET', url: '/readyz', headers: bearer() });
      expect(r.statusCode).toBe(503);
      expect(r.json().checks[0]).toMatchObject({ name: 'database', ok: false });
      expect(r.json().checks[0].detail).toContain('locked');
    } finally {
      other.exec('ROLLBACK');
      other.close();
      fx.db.pragma('busy_timeout = 5000');
    }
    expect((await app.inject({ method: 'GET', url: '/readyz', headers: bearer() })).statusCode).toBe(200);
  });

  it('/readyz is 503 once the database is closed, /healthz stays 200 and /metrics still answers', async () => {
    fx.db.close();
    const r = await app.inject({ method: 'GET', url: '/readyz', headers: bearer() });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks[0]).toEqual({ name: 'database', ok: false, detail: 'database connection is closed' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const m = await scrape();
    expect(m.values.has('unimie_jobs{state="done"}')).toBe(false);
    expect(m.values.has('unimie_delivery_queue_depth{destination="pacs",state="dead"}')).toBe(false);
    expect(m.values.get('unimie_spool_disk_free_bytes')).toBe(fx.state.disk.freeBytes);
    const status = await app.inject({ method: 'GET', url: '/api/status', headers: bearer() });
    expect(status.statusCode).toBe(500);
    expect(status.json()).toEqual({ code: 'PACS_E_INTERNAL', message: 'internal error; see the node log' });
  });
});
