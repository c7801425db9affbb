/**
 * The `worker` process: takes slice jobs from Redis, runs the same engine as the local executor
 * (same code path, same random streams, so the same bytes) and returns the enhanced pixels. It
 * loads one model at start and refuses jobs that name another model or hash; the error reaches
 * the job's failed reason and, after the job's attempts, the node's series job.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { loadManifest } from '../enhance/model-manifest.js';
import type { ModelInfo } from '../enhance/model-registry.js';
import { ThreadedEngine } from '../enhance/threaded-engine.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { decodeSliceJob, encodeImage, PAYLOAD_VERSION, type SliceJobResult } from './payload-codec.js';
import { queueNames } from './queue-names.js';
import { redisConnectionOptions, type RedisEndpoint } from './redis-connection.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface EnhanceWorkerOptions {
  redis: RedisEndpoint;
  /** Base queue name (the node's executor.queue). */
  queue: string;
  /** Model manifest (model/<id>/manifest.yaml). */
  manifest: string;
  concurrency: number;
  device: 'cpu' | 'cuda';
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
  /** Shown in provenance; default `<host>-<pid>`. */
  name?: string;
  /** How long a job stays locked without renewal before another worker may take it. */
  lockMs: number;
  /** How often this worker looks for jobs whose lock expired. */
  stalledIntervalMs: number;
  /** Lock expiries a job survives before it fails. */
  maxStalledCount: number;
  log: Logger;
}

export interface RunningEnhanceWorker {
  name: string;
  model: ModelInfo;
  metrics: WorkerMetrics;
  worker: Worker;
  /** Redis reachable and the worker taking jobs. */
  healthy(): boolean;
  /** Finishes the jobs in hand (or, past the lock, leaves them to another worker), then disconnects. */
  close(): Promise<void>;
}

export async function startEnhanceWorker(opts: EnhanceWorkerOptions): Promise<RunningEnhanceWorker> {
  const log = opts.log;
  const host = hostname();
  const name = opts.name ?? `${host}-${process.pid}`;
  const { manifest } = await loadManifest(opts.manifest);
  const engine = await ThreadedEngine.open([manifest.id], {
    modelsDir: 'model',
    manifestPaths: { [manifest.id]: opts.manifest },
    session: { device: opts.device, ...(opts.threads ? { intraOpThreads: opts.threads } : {}) },
    logger: log,
  });
  const model = engine.catalog.get(manifest.id);
  const metrics = new WorkerMetrics({ worker: name, model: model.id, device: model.device });

  const processJob = async (job: Job): Promise<SliceJobResult> => {
    const startedAt = Date.now();
    let data: ReturnType<typeof decodeSliceJob>;
    try {
      data = decodeSliceJob(job.data);
    } catch (err) {
      // Another try (or another worker) would read the same bytes: fail the job at once.
      throw new UnrecoverableError(`unreadable job: ${errorMessage(err)}`);
    }
    if (data.modelId !== model.id || data.modelSha256 !== model.sha256) {
      throw new Error(
        `model mismatch: the job asks for ${data.modelId} sha256:${data.modelSha256}, worker ${name} on ${host} has ${model.id} sha256:${model.sha256} (${opts.manifest})`,
      );
    }
    const results = await engine.enhanceSeries(data.images, data.preset, {
      firstStream: data.firstStream,
      blackLevels: data.blackLevels,
      onProgress: (p) => {
        job.updateProgress({ step: p.step, steps: p.total }).catch(() => undefined);
      },
    });
    metrics.sliceDone(results.length, (Date.now() - startedAt) / 1000, (startedAt - job.timestamp) / 1000);
    return {
      v: PAYLOAD_VERSION,
      producer: { worker: name, host, device: model.device, attempts: job.attemptsStarted },
      queuedMs: startedAt - job.timestamp,
      slices: results.map((r) => ({
        image: encodeImage(r.gray ? { width: r.image.width, height: r.image.height, gray: r.gray } : r.image),
        backgroundProtected: r.backgroundProtected,
        applied: r.applied,
        timings: { ...r.timings },
        ...(r.quality ? { quality: { ...(r.quality as unknown as Record<string, number>) } } : {}),
      })),
    };
  };

  const worker = new Worker(queueNames(opts.queue).slices, processJob, {
    connection: redisConnectionOptions(opts.redis),
    name,
    concurrency: opts.concurrency,
    lockDuration: opts.lockMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount,
    autorun: false,
  });
  let redisUp = false;
  worker.on('ready', () => {
    redisUp = true;
  });
  worker.on('active', () => metrics.active(1));
  worker.on('completed', () => metrics.active(-1));
  worker.on('failed', (job, err) => {
    if (job) metrics.active(-1);
    metrics.failed(err.message.startsWith('model mismatch') ? 'model_mismatch' : 'error');
    log.error({ jobId: job?.id, attempts: job?.attemptsStarted, err: errorMessage(err) }, 'slice job failed');
  });
  worker.on('error', (err) => {
    // Connection drops (Redis restart) land here; ioredis reconnects by itself.
    redisUp = false;
    log.warn({ err: errorMessage(err) }, 'worker connection problem');
  });
  worker.on('resumed', () => {
    redisUp = true;
  });
  void worker.run().catch((err) => log.error({ err: errorMessage(err) }, 'worker stopped'));
  await worker.waitUntilReady();
  redisUp = true;
  const client = await worker.client;
  client.on('ready', () => {
    redisUp = true;
  });
  client.on('end', () => {
    redisUp = false;
  });
  client.on('close', () => {
    redisUp = false;
  });
  log.info({ worker: name, queue: opts.queue, model: model.id, sha256: model.sha256, device: model.device, concurrency: opts.concurrency }, 'worker ready');

  return {
    name,
    model,
    metrics,
    worker,
    healthy: () => redisUp && worker.isRunning(),
    async close() {
      await worker.close();
      await engine.close();
    },
  };
}
