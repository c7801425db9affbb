import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import type { Logger } from '../shared/log.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { NodeMetrics } from '../api/node-metrics.js';
import { createBullmqEnhancer } from '../scale/remote-enhancer.js';
import { ContributionSource, SHIPPED_CONTRIBUTION_RECORD } from '../pipeline/contribution-source.js';
import { modelFailedAlert } from '../alerts/alert-event.js';
import type { NodeCore } from './node-core.js';

export type CreateEnhancer = (config: LoadedConfig, db: Db, log: Logger) => Promise<SliceEnhancer | undefined>;

export interface Enhancement {
  /** Absent when no model could be loaded (render-only rules still run). */
  enhancer?: SliceEnhancer;
  /** Which presets may be called UniMIE: the last ablation's record (contribution-source.ts). */
  contribution: ContributionSource;
  /** Releases the executor's connections and sessions. */
  close(): Promise<void>;
}

/**
 * The enhancement stage: in this process (`createEnhancer`) or, with executor.kind bullmq, the same
 * stage run by `worker` processes through Redis. A model that did not load raises an alert.
 */
export async function createEnhancement(core: NodeCore, createEnhancer: CreateEnhancer | undefined): Promise<Enhancement> {
  const { config, db, log, metrics } = core;
  const created = !createEnhancer
    ? undefined
    : config().executor.kind === 'bullmq'
      ? await createBullmqEnhancer(config(), db, log, metrics.registry)
      : await createEnhancer(config(), db, log);
  const enhancer = created && instrumentEnhancer(created, metrics);
  for (const m of created?.models() ?? []) if (!m.loaded) core.alerter.raise(modelFailedAlert({ model: m.id, problem: m.problem ?? 'not loaded' }));
  const contribution = new ContributionSource(() => config().node.contributionRecord ?? SHIPPED_CONTRIBUTION_RECORD, log);
  if (enhancer) contribution.status();
  return { enhancer, contribution, close: async () => await created?.close?.() };
}

/** Feeds diffusion and model timings of every enhanced slice into the metrics. */
function instrumentEnhancer(enhancer: SliceEnhancer, metrics: NodeMetrics): SliceEnhancer {
  const device = enhancer.models().find((m) => m.loaded)?.device ?? 'cpu';
  return {
    ...enhancer,
    enhance: async (images, preset, opts) => {
      const out = await enhancer.enhance(images, preset, opts);
      for (const r of out) {
        const t = r.timings;
        const steps = t.perStepMs > 0 ? Math.round(t.totalMs / t.perStepMs) : 0;
        if (steps > 0) metrics.diffusionSteps(steps, t.totalMs / 1000, t.patchEvaluations / steps);
        if (t.modelMs !== undefined) metrics.modelExecution(device, t.modelMs / 1000);
      }
      return out;
    },
  };
}
