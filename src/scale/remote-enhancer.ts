/**
 * The bullmq executor: the same SliceEnhancer as the local engine, but each batch of slices the
 * series pipeline hands over becomes one BullMQ flow (slice-flow.ts), which any number of `worker`
 * processes take in parallel. The node waits for the flow (flow-completion.ts), reads the
 * children's pixels back in order (flow-results.ts) and removes the flow (flow-batch.ts). The node
 * needs only the models' identities (model-identities.ts), not their weights.
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import type { Logger } from '../shared/log.js';
import { toEngineImage } from '../enhance/engine-image.js';
import { describePreset } from '../enhance/preset-description.js';
import { resolvePreset } from '../enhance/preset-resolver.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import { openBullmqClients } from './bullmq-clients.js';
import { bullmqExecutorStatus, sliceQueueSnapshot } from './executor-status.js';
import { runFlowBatch, type FlowBatchDeps } from './flow-batch.js';
import { JobEvents } from './job-events.js';
import { ModelIdentities } from './model-identities.js';
import { queueNames } from './queue-names.js';
import { redactUrl, redisConnectionOptions } from './redis-connection.js';
import { ScaleMetrics } from './scale-metrics.js';

/** Times a flow that vanished from Redis is published again before the batch fails. */
const PUBLISH_TRIES = 3;

export async function createBullmqEnhancer(config: LoadedConfig, db: Db, log: Logger, registry?: Registry): Promise<SliceEnhancer | undefined> {
  const presets = config.presets;
  if (Object.keys(presets).length === 0) return undefined;
  const exec = config.executor;
  const names = queueNames(exec.queue);
  const slog = log.child({ stage: 'enhance', executor: 'bullmq' });
  const models = await ModelIdentities.load(config, db, slog);
  const clients = await openBullmqClients(names, redisConnectionOptions(exec.redis), slog);
  slog.info({ redis: redactUrl(exec.redis.url), queue: names.slices }, 'bullmq executor ready');
  const snapshot = sliceQueueSnapshot(clients.sliceQueue);
  const batchDeps: FlowBatchDeps = {
    clients,
    events: new JobEvents(clients.seriesEvents, clients.sliceEvents),
    names,
    settings: exec,
    metrics: registry ? new ScaleMetrics(registry, snapshot) : undefined,
    log: slog,
  };

  return {
    models: () => models.list(),
    describe(name) {
      const preset = resolvePreset(presets, name);
      return describePreset(name, preset, models.get(preset.model));
    },
    async enhance(images, name, opts) {
      const engineImages = images.map(toEngineImage);
      for (let tries = 0; tries < PUBLISH_TRIES; tries++) {
        const preset = resolvePreset(presets, name);
        const batch = { batchId: randomUUID(), images: engineImages, preset, model: models.get(preset.model), firstSlice: opts.firstSlice ?? 0, blackLevels: opts.blackLevels };
        const out = await runFlowBatch(batchDeps, batch, opts.signal, (step, steps) => opts.onProgress?.({ step, steps }));
        if (out !== 'lost') return out;
        slog.warn({ slices: images.length }, 'enhancement flow vanished from Redis; publishing it again');
      }
      throw new Error('enhancement flow vanished from Redis three times; is Redis persisting (appendonly)?');
    },
    executorStatus: () => bullmqExecutorStatus(snapshot),
    close: () => clients.close(),
  };
}
