import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedSlices, processSeries, ScaleBed, type SeriesOnDisk, startWorker } from './scale-harness.js';

/**
 * The same series through the local executor and through two worker processes (bullmq on a real
 * Redis with a password): byte-identical pixels, one derived instance per slice, and provenance
 * naming the worker, host and device of each slice.
 */
describe('bullmq executor with two workers', () => {
  const bed = new ScaleBed();
  const { redis, workers } = bed;
  let series: SeriesOnDisk;

  beforeAll(async () => {
    series = bed.series({ slices: 6, size: 96, seed: 301 });
    await redis.start();
  });

  afterAll(() => bed.teardown());

  it('gives the local executor’s bytes for the same seed', async () => {
    // Workers start while the local executor runs (they take nothing from it).
    // Locks long enough that a busy machine does not make a live worker look dead (attempts stay 1).
    const starting = Promise.all([startWorker(redis, 'w1', { lockSeconds: 30 }), startWorker(redis, 'w2', { lockSeconds: 30 })]);
    starting.catch(() => undefined);
    const local = await bed.startNode({ executor: 'local', slicesPerBatch: 4 });
    expect((await processSeries(local, series)).state).toBe('done');
    const expected = derivedSlices(local.node, series.uid);
    expect(expected).toHaveLength(6);
    expect(expected.every((s) => s.producer === undefined)).toBe(true);

    workers.push(...(await starting));
    // Another batch size on purpose: a slice's random stream is its place in the series.
    const remote = await bed.startNode({ executor: 'bullmq', redis, slicesPerBatch: 3 });
    const job = await processSeries(remote, series);
    expect(job.last_error).toBeNull();
    expect(job.state).toBe('done');
    const actual = derivedSlices(remote.node, series.uid);

    expect(actual.map((s) => s.derivedSop)).toEqual(expected.map((s) => s.derivedSop));
    actual.forEach((s, i) => expect(s.pixels.equals(expected[i]!.pixels), `slice ${i} differs`).toBe(true));
    // The workers say what ran (payload v2): the same record and text as the local engine.
    expect(expected.every((s) => s.whatRan !== undefined)).toBe(true);
    actual.forEach((s, i) => {
      expect(s.whatRan, `slice ${i}: what ran`).toEqual(expected[i]!.whatRan);
      expect(s.derivationDescription, `slice ${i}: Derivation Description`).toBe(expected[i]!.derivationDescription);
    });
    expect(new Set(actual.map((s) => s.producer?.worker))).toEqual(new Set(['w1', 'w2']));
    for (const s of actual) expect(s.producer).toMatchObject({ device: 'cpu', attempts: 1, host: expect.any(String) });

    // Queue figures in the node's /metrics: both workers seen, the slices counted, nothing waiting.
    const metrics = (await remote.node.metrics.scrape()).body;
    expect(metrics).toMatch(/^unimie_executor_workers 2$/m);
    expect(metrics).toMatch(/^unimie_executor_slices_total\{outcome="done"\} 6$/m);
    expect(metrics).toMatch(/^unimie_executor_queue_jobs\{state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^unimie_executor_queue_wait_seconds_count 6$/m);
    // …and in the status the dashboard shows.
    const status = (await (await fetch(`http://127.0.0.1:${remote.node.api!.port}/api/status`)).json()) as { executor: unknown };
    expect(status.executor).toEqual({ kind: 'bullmq', redisUp: true, workers: 2, jobs: expect.objectContaining({ waiting: 0, active: 0 }) });

    // Each worker's own endpoints.
    const health = await fetch(`http://127.0.0.1:${workers[0]!.healthPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, worker: 'w1', model: 'embedded', device: 'cpu' });
    const wm = await (await fetch(`http://127.0.0.1:${workers[1]!.healthPort}/metrics`)).text();
    expect(wm).toMatch(/^unimie_worker_slices_total\{worker="w2"\} [1-9]/m);
  });

  it('worker exits cleanly on SIGTERM', async () => {
    const w = workers.pop()!;
    expect(await w.stop('SIGTERM')).toBe(0);
    expect(w.lines.some((l) => l.includes('worker shutting down'))).toBe(true);
  });
});
