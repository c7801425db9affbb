import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { removeDir } from '../e2e/node-harness.js';
import {
  derivedSlices,
  seriesUidOf,
  sendSeries,
  startScaleNode,
  startWorker,
  TestRedis,
  waitForSeriesJob,
  writePhantomSeries,
  type WorkerProcess,
} from './scale-harness.js';

/**
 * The same series through the local executor and through two worker processes (bullmq on a real
 * Redis with a password): byte-identical pixels, one derived instance per slice, and provenance
 * naming the worker, host and device of each slice.
 */
describe('bullmq executor with two workers', () => {
  const redis = new TestRedis();
  const workers: WorkerProcess[] = [];
  const nodes: Array<{ node: RunningNode; dir: string }> = [];
  let seriesDir: string;

  beforeAll(async () => {
    seriesDir = writePhantomSeries({ slices: 6, size: 96, seed: 301 });
    await redis.start();
  });

  afterAll(async () => {
    for (const n of nodes) await n.node.stop();
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await redis.kill();
    for (const d of [seriesDir, redis.dir, ...nodes.map((n) => n.dir)]) if (d) removeDir(d);
  });

  it('gives the local executor’s bytes for the same seed', async () => {
    const files = readdirSync(seriesDir).sort();
    const seriesUid = seriesUidOf(seriesDir, files[0]!);

    // Workers start while the local executor runs (they take nothing from it).
    // Locks long enough that a busy machine does not make a live worker look dead (attempts stay 1).
    const starting = Promise.all([startWorker(redis, 'w1', { lockSeconds: 30 }), startWorker(redis, 'w2', { lockSeconds: 30 })]);
    starting.catch(() => undefined);
    const local = await startScaleNode({ executor: 'local', slicesPerBatch: 4 });
    nodes.push(local);
    await sendSeries(local.port, seriesDir, files);
    expect((await waitForSeriesJob(local.node, seriesUid)).state).toBe('done');
    const expected = derivedSlices(local.node, seriesUid);
    expect(expected).toHaveLength(6);
    expect(expected.every((s) => s.producer === undefined)).toBe(true);

    workers.push(...(await starting));
    // Another batch size on purpose: a slice's random stream is its place in the series.
    const remote = await startScaleNode({ executor: 'bullmq', redis, slicesPerBatch: 3 });
    nodes.push(remote);
    await sendSeries(remote.port, seriesDir, files);
    const job = await waitForSeriesJob(remote.node, seriesUid);
    expect(job.last_error).toBeNull();
    expect(job.state).toBe('done');
    const actual = derivedSlices(remote.node, seriesUid);

    expect(actual.map((s) => s.derivedSop)).toEqual(expected.map((s) => s.derivedSop));
    actual.forEach((s, i) => expect(s.pixels.equals(expected[i]!.pixels), `slice ${i} differs`).toBe(true));
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
