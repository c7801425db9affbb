import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnectionOptions } from '../../src/scale/redis-connection.js';
import { waitForIdle } from '../e2e/node-harness.js';
import {
  derivedSlices,
  processSeries,
  REDIS_PASSWORD,
  REPO,
  ScaleBed,
  type ScaleNode,
  sendSeries,
  startScaleNode,
  startWorker,
  waitForSeriesJob,
  type WorkerProcess,
} from './scale-harness.js';

/** Slices of 96² with 20 steps: a few hundred ms each on one thread, time enough to kill a worker mid-job. */
const PRESET = '{ model: embedded, steps: 20, seed: 5, patchSize: 64, stride: 32, batchSize: 4 }';
const SLICES = 4;

/**
 * Delivery guarantees of the bullmq executor on one node and one Redis (AOF, password): a worker
 * SIGKILLed mid-job, Redis SIGKILLed and restarted mid-series, and a worker with another model.
 */
describe('bullmq executor under faults', () => {
  const bed = new ScaleBed();
  const { redis, workers, dirs } = bed;
  let scaleNode: ScaleNode;
  let outDir: string;
  let queue: Queue;

  const activeJobs = async (): Promise<number> => (await queue.getJobCounts('active')).active ?? 0;
  /** Jobs in a worker's hands, from its own /metrics. */
  const jobsHeldBy = async (w: WorkerProcess): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
    return Number(/^unimie_worker_active_jobs\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const until = async (what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const series = (seed: number) => bed.series({ slices: SLICES, size: 96, seed });

  beforeAll(async () => {
    await redis.start();
    scaleNode = await bed.startNode({ executor: 'bullmq', redis, preset: PRESET, attempts: 2 });
    outDir = join(scaleNode.dir, 'out');
    queue = new Queue('scale-test', { connection: redisConnectionOptions({ url: redis.url, password: REDIS_PASSWORD }) });
    workers.push(...(await Promise.all([startWorker(redis, 'doomed'), startWorker(redis, 'survivor')])));
  });

  afterAll(async () => {
    await queue?.close();
    await bed.teardown();
  });

  it('a worker SIGKILLed mid-job: the job is retried on another worker, nothing missing or doubled, identical to the local executor', async () => {
    const s = series(401);
    const doomed = workers[0]!;
    await sendSeries(scaleNode.port, s);
    await until('the doomed worker to hold a job', async () => (await jobsHeldBy(doomed)) > 0);
    await doomed.stop('SIGKILL');

    const job = await waitForSeriesJob(scaleNode.node, s.uid);
    expect(job.last_error).toBeNull();
    expect(job.state).toBe('done');
    await waitForIdle(scaleNode.node, 30_000);
    const slices = derivedSlices(scaleNode.node, s.uid);
    expect(slices).toHaveLength(SLICES);
    expect(new Set(slices.map((x) => x.sourceSop)).size).toBe(SLICES);
    expect(new Set(slices.map((x) => x.derivedSop)).size).toBe(SLICES);
    // One file per slice in the destination.
    const files = readdirSync(outDir, { recursive: true }).filter((f) => String(f).endsWith('.dcm'));
    expect(files).toHaveLength(SLICES);
    // The slice the dead worker held was started again, by the survivor.
    const retried = slices.filter((x) => x.producer!.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.every((x) => x.producer!.worker === 'survivor')).toBe(true);

    // Same seed, same bytes as the in-process engine.
    const local = await startScaleNode({ executor: 'local', preset: PRESET });
    dirs.push(local.dir);
    try {
      expect((await processSeries(local, s)).state).toBe('done');
      const expected = derivedSlices(local.node, s.uid);
      slices.forEach((x, i) => expect(x.pixels.equals(expected[i]!.pixels), `slice ${i}`).toBe(true));
    } finally {
      await local.node.stop();
    }
  });

  it('Redis SIGKILLed and restarted (AOF) during a series: the series completes', async () => {
    const s = series(402);
    await sendSeries(scaleNode.port, s);
    await until('a slice job to start', async () => (await activeJobs()) > 0);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    await redis.start();

    const job = await waitForSeriesJob(scaleNode.node, s.uid);
    expect(job.last_error).toBeNull();
    expect(job.state).toBe('done');
    const slices = derivedSlices(scaleNode.node, s.uid);
    expect(slices).toHaveLength(SLICES);
    expect(new Set(slices.map((x) => x.sourceSop)).size).toBe(SLICES);
  });

  it('a worker with another model hash refuses the job; after the attempts the series job fails with that reason', async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    const manifestDir = mkdtempSync(join(tmpdir(), 'scale-other-model-'));
    dirs.push(manifestDir);
    const other = readFileSync(join(REPO, 'test/reference/tiny-eps/manifest.yaml'), 'utf8')
      .replace(/^id: .*$/m, 'id: embedded')
      .replace(/^file: .*$/m, `file: ${join(REPO, 'test/reference/tiny-eps.onnx')}`);
    writeFileSync(join(manifestDir, 'manifest.yaml'), other);
    workers.push(await startWorker(redis, 'wrong-model', { manifest: join(manifestDir, 'manifest.yaml') }));

    const s = series(403);
    const job = await processSeries(scaleNode, s);
    expect(job.state).toMatch(/^(failed|dead)$/);
    const shipped = readFileSync(join(REPO, 'model/embedded/manifest.yaml'), 'utf8').match(/^sha256: ([0-9a-f]{8})/m)![1];
    expect(job.last_error).toMatch(new RegExp(`failed after 2 attempt\\(s\\): model mismatch: the job asks for embedded sha256:${shipped}.*worker wrong-model .* has embedded sha256:5a2bc145`));
    expect(derivedSlices(scaleNode.node, s.uid)).toHaveLength(0);

    // The failed set keeps the job with its reason; its data is pixels and parameters only.
    const failed = await queue.getFailed();
    const mine = failed.filter((j) => /model mismatch/.test(j.failedReason));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(mine[0]!.data as object).sort()).toEqual(['blackLevels', 'firstStream', 'modelId', 'modelSha256', 'preset', 'slices', 'v']);
    const text = JSON.stringify(mine[0]!.data);
    expect(text).not.toMatch(/Phantom|PHANTOM|2\.25\./);

    const metrics = (await scaleNode.node.metrics.scrape()).body;
    expect(metrics).toMatch(/^unimie_executor_slices_total\{outcome="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^unimie_executor_queue_jobs\{state="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^unimie_executor_retried_jobs_total [1-9]/m);
  });

  it('an unreadable job fails at once, without using its other attempts', async () => {
    const job = await queue.add('enhance-slices', { v: 99 }, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
    await until('the unreadable job to fail', async () => (await job.getState()) === 'failed');
    const failed = (await queue.getJob(job.id!))!;
    expect(failed.failedReason).toMatch(/^unreadable job: job payload version 99/);
    expect(failed.attemptsMade).toBe(1);
  });
});
