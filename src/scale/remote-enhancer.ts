/**
 * The bullmq executor: the same SliceEnhancer as the local engine, but each batch of slices the
 * series pipeline hands over becomes one BullMQ flow: a parent job standing for the batch and one
 * child job per slice group, which any number of `worker` processes take in parallel. The node
 * completes the parent once every child is in, reads the children's pixels back in order and
 * removes the flow. Jobs carry windowed pixels, the preset, the model id and hash and the random
 * stream of each slice, nothing that identifies a patient.
 */
import { randomUUID } from 'node:crypto';
import { FlowProducer, Job, Queue, QueueEvents, Worker, type FlowJob } from 'bullmq';
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import { recordModelLoaded } from '../provenance/derivations.js';
import { loadManifest } from '../enhance/model-manifest.js';
import type { EnhancePreset } from '../enhance/preset.js';
import { grayToRgb } from '../render/index.js';
import { CancelledError, ConfigError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { toEngineImage } from '../app/engine-enhancer.js';
import { describePreset } from '../app/preset-description.js';
import type { EnhancedSlice, SliceEnhancer } from '../app/stages.js';
import { decodeSliceResult, encodeSliceJob, sliceGroups } from './payload-codec.js';
import { queueNames, SERIES_JOB, SLICE_JOB } from './queue-names.js';
import { redisConnectionOptions, redactUrl } from './redis-connection.js';
import { readSnapshotWithin, ScaleMetrics } from './scale-metrics.js';

/** How long finished-but-failed jobs stay in Redis for inspection. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 1000 };
/** Safety net under the completion events (and what notices a flow lost with Redis). */
const POLL_MS = 1000;

export async function createBullmqEnhancer(config: LoadedConfig, db: Db, log: Logger, registry?: Registry): Promise<SliceEnhancer | undefined> {
  const presets = config.presets;
  if (Object.keys(presets).length === 0) return undefined;
  const exec = config.executor;
  const names = queueNames(exec.queue);
  const connection = redisConnectionOptions(exec.redis);
  const slog = log.child({ stage: 'enhance', executor: 'bullmq' });

  // The node needs each model's identity (for UIDs and provenance), not its weights.
  const models = new Map<string, { id: string; version: string; sha256: string }>();
  const problems = new Map<string, string>();
  for (const id of new Set(Object.values(presets).map((p) => p.model))) {
    const ref = config.models[id];
    try {
      if (!ref) throw new Error(`model "${id}" is not defined in node.yaml`);
      const { manifest } = await loadManifest(ref.manifest);
      models.set(id, { id, version: manifest.version, sha256: manifest.sha256 });
      recordModelLoaded(db, { id, sha256: manifest.sha256, version: manifest.version, path: ref.manifest, device: 'bullmq' });
    } catch (err) {
      problems.set(id, errorMessage(err));
      slog.error({ model: id, err: errorMessage(err) }, 'model disabled');
    }
  }

  const flows = new FlowProducer({ connection });
  const sliceQueue = new Queue(names.slices, { connection });
  const seriesQueue = new Queue(names.series, { connection });
  const seriesEvents = new QueueEvents(names.series, { connection });
  const sliceEvents = new QueueEvents(names.slices, { connection });
  // The parent of a flow moves to `wait` once its last child completes; completing it here is
  // what marks the batch done.
  const parents = new Worker(names.series, async (job) => Object.keys(await job.getChildrenValues()).length, {
    connection,
    concurrency: 16,
    name: 'node',
  });
  const connectionProblem = (err: Error): void => slog.warn({ err: errorMessage(err) }, 'Redis connection problem');
  flows.on('error', connectionProblem);
  sliceQueue.on('error', connectionProblem);
  seriesQueue.on('error', connectionProblem);
  seriesEvents.on('error', connectionProblem);
  sliceEvents.on('error', connectionProblem);
  parents.on('error', connectionProblem);
  await Promise.all([sliceQueue.waitUntilReady(), seriesQueue.waitUntilReady(), seriesEvents.waitUntilReady(), sliceEvents.waitUntilReady()]);
  slog.info({ redis: redactUrl(exec.redis.url), queue: names.slices }, 'bullmq executor ready');

  const snapshot = async () => ({
    counts: await sliceQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'),
    workers: await sliceQueue.getWorkersCount(),
  });
  const metrics = registry ? new ScaleMetrics(registry, snapshot) : undefined;

  // Completion and progress events, by job id.
  const finished = new Map<string, (outcome: { ok: boolean; reason?: string } | undefined) => void>();
  seriesEvents.on('completed', ({ jobId }) => finished.get(jobId)?.({ ok: true }));
  seriesEvents.on('failed', ({ jobId, failedReason }) => finished.get(jobId)?.({ ok: false, reason: failedReason }));
  const progress = new Map<string, (step: number, steps: number) => void>();
  sliceEvents.on('progress', ({ jobId, data }) => {
    const p = data as { step?: number; steps?: number } | null;
    if (typeof p?.step === 'number' && typeof p.steps === 'number') progress.get(jobId)?.(p.step, p.steps);
  });

  const presetOf = (name: string): EnhancePreset => {
    const p = presets[name];
    if (!p) throw new ConfigError(`enhancement preset "${name}" is not defined in node.yaml`);
    const { name: _name, ...rest } = p;
    return structuredClone(rest) as EnhancePreset;
  };
  const modelOf = (id: string) => {
    const m = models.get(id);
    if (!m) throw new ConfigError(`model "${id}" is disabled: ${problems.get(id) ?? 'not loaded'}`);
    return m;
  };

  /** Resolves when the parent completes; rejects with the failing child's reason. */
  const waitForFlow = async (parentId: string, childIds: string[], signal: AbortSignal): Promise<'done' | 'lost'> => {
    const deadline = Date.now() + exec.timeoutSeconds * 1000;
    let missing = 0;
    while (true) {
      if (signal.aborted) throw new CancelledError('job cancelled');
      if (Date.now() > deadline) throw new Error(`enhancement batch not finished after ${exec.timeoutSeconds} s (are workers running on ${names.slices}?)`);
      const event = new Promise<{ ok: boolean; reason?: string } | undefined>((resolve) => {
        const settle = (o: { ok: boolean; reason?: string } | undefined): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(o);
        };
        const timer = setTimeout(() => settle(undefined), POLL_MS);
        const onAbort = (): void => settle(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
        finished.set(parentId, settle);
      });
      // Polled after subscribing, so an event between the two is not lost.
      const state = await Job.fromId(seriesQueue, parentId)
        .then((j) => j?.getState() ?? 'missing')
        .catch(() => 'unreachable');
      let outcome: { ok: boolean; reason?: string } | undefined;
      if (state === 'completed') outcome = { ok: true };
      else if (state === 'failed') outcome = { ok: false };
      else outcome = await event;
      finished.get(parentId)?.(undefined); // clears the timer and the abort listener
      finished.delete(parentId);
      if (state === 'missing') {
        // The flow is gone (Redis lost data it had not persisted): publish it again.
        if (++missing >= 2) return 'lost';
      } else missing = 0;
      if (!outcome) continue;
      if (outcome.ok) return 'done';
      throw new Error(await failureOf(childIds, outcome.reason));
    }
  };

  const failureOf = async (childIds: string[], parentReason?: string): Promise<string> => {
    for (const id of childIds) {
      const child = await Job.fromId(sliceQueue, id).catch(() => undefined);
      if (child && (await child.getState().catch(() => '')) === 'failed') {
        return `slice job ${id} failed after ${child.attemptsMade} attempt(s): ${child.failedReason}`;
      }
    }
    return `enhancement batch failed: ${parentReason ?? 'unknown reason'}`;
  };

  const runBatch = async (
    images: ReturnType<typeof toEngineImage>[],
    presetName: string,
    firstSlice: number,
    blackLevels: readonly number[] | undefined,
    signal: AbortSignal,
    onStep: (done: number, total: number) => void,
  ): Promise<EnhancedSlice[] | 'lost'> => {
    const preset = presetOf(presetName);
    const model = modelOf(preset.model);
    const groups = sliceGroups(images.length, exec.slicesPerJob);
    const batchId = randomUUID();
    const childIds = groups.map((_, i) => `${batchId}.${i}`);
    const flow: FlowJob = {
      name: SERIES_JOB,
      queueName: names.series,
      data: { slices: images.length, jobs: groups.length },
      opts: { jobId: batchId, removeOnFail: KEEP_FAILED },
      children: groups.map((g, i) => ({
        name: SLICE_JOB,
        queueName: names.slices,
        data: encodeSliceJob({
          modelId: model.id,
          modelSha256: model.sha256,
          preset,
          firstStream: firstSlice + g.first,
          images: images.slice(g.first, g.first + g.count),
          blackLevels: Array.from({ length: g.count }, (_, j) => blackLevels?.[g.first + j] ?? 0),
        }),
        opts: {
          jobId: childIds[i],
          attempts: exec.attempts,
          backoff: { type: 'fixed', delay: exec.backoffSeconds * 1000 },
          failParentOnFailure: true,
          removeOnComplete: true,
          removeOnFail: KEEP_FAILED,
        },
      })),
    };
    // Each worker reports its job's steps (after an anchored start, fewer than the preset's).
    const stepsOf = new Map<string, { step: number; steps: number }>();
    childIds.forEach((id) =>
      progress.set(id, (step, steps) => {
        stepsOf.set(id, { step: Math.min(step, steps), steps });
        let done = 0;
        let total = 0;
        childIds.forEach((c, j) => {
          const known = stepsOf.get(c);
          done += known?.step ?? 0;
          total += known?.steps ?? preset.steps * groups[j]!.count;
        });
        onStep(done, total);
      }),
    );
    try {
      await flows.add(flow);
      slog.debug({ batch: batchId, slices: images.length, jobs: groups.length }, 'flow published');
      const outcome = await waitForFlow(batchId, childIds, signal).catch(async (err: unknown) => {
        if (signal.aborted) await Job.fromId(seriesQueue, batchId).then((j) => j?.remove()).catch(() => undefined);
        if (!(err instanceof CancelledError)) metrics?.failed(images.length);
        throw err;
      });
      if (outcome === 'lost') return 'lost';
      const parent = await Job.fromId(seriesQueue, batchId);
      if (!parent) return 'lost';
      const values = await parent.getChildrenValues();
      const out: EnhancedSlice[] = [];
      groups.forEach((g, i) => {
        const key = Object.keys(values).find((k) => k.endsWith(`:${childIds[i]}`));
        if (!key) throw new Error(`slice job ${childIds[i]} completed without a result`);
        const r = decodeSliceResult(values[key], g.count);
        metrics?.jobDone(g.count, r.queuedMs, r.producer.attempts);
        r.slices.forEach((s, j) => {
          const img = r.images[j]!;
          out.push({
            image: 'gray' in img ? grayToRgb(img.gray, img.width, img.height) : img,
            backgroundProtected: s.backgroundProtected,
            applied: s.applied,
            timings: { ...s.timings, queuedMs: r.queuedMs },
            ...(s.quality ? { quality: s.quality } : {}),
            producer: r.producer,
          });
        });
      });
      await parent.remove().catch((err: unknown) => slog.warn({ batch: batchId, err: errorMessage(err) }, 'finished flow not removed'));
      return out;
    } finally {
      for (const id of childIds) progress.delete(id);
    }
  };

  return {
    models: () => [
      ...[...models.values()].map((m) => ({ ...m, device: 'bullmq', loaded: true })),
      ...[...problems].map(([id, problem]) => ({ id, loaded: false, problem })),
    ],
    describe(name) {
      const preset = presetOf(name);
      return describePreset(name, preset, modelOf(preset.model));
    },
    async enhance(images, name, opts) {
      const engineImages = images.map(toEngineImage);
      for (let tries = 0; tries < 3; tries++) {
        const out = await runBatch(engineImages, name, opts.firstSlice ?? 0, opts.blackLevels, opts.signal, (step, steps) => opts.onProgress?.({ step, steps }));
        if (out !== 'lost') return out;
        slog.warn({ slices: images.length }, 'enhancement flow vanished from Redis; publishing it again');
      }
      throw new Error('enhancement flow vanished from Redis three times; is Redis persisting (appendonly)?');
    },
    async executorStatus() {
      const s = await readSnapshotWithin(snapshot, 1000);
      return s ? { kind: 'bullmq' as const, redisUp: true, workers: s.workers, jobs: s.counts } : { kind: 'bullmq' as const, redisUp: false };
    },
    async close() {
      await parents.close();
      await Promise.all([flows.close(), sliceEvents.close(), seriesEvents.close(), sliceQueue.close(), seriesQueue.close()]);
    },
  };
}
