import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { countDeliveriesByState } from '../../provenance/deliveries.js';
import { countJobsByState } from '../../provenance/jobs.js';
import { countQuarantine } from '../../provenance/quarantine.js';
import { errorMessage } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { modelsWithContribution, ModelWithContributionView } from '../model-contribution.js';
import { errorResponses, ListenerView, ExecutorView, ModelView, Nullable } from '../schemas.js';

const Counts = Type.Record(Type.String(), Type.Integer());

const StatusBody = Type.Object({
  node: Type.Object({
    aeTitle: Type.String(),
    version: Type.String(),
    pid: Type.Integer(),
    uptimeSeconds: Type.Integer(),
  }),
  listeners: Type.Array(ListenerView),
  jobs: Counts,
  deliveries: Counts,
  quarantined: Type.Integer(),
  pendingSeries: Nullable(Type.Integer({ description: 'series still inside their quiet period' })),
  disk: Type.Object({
    freeBytes: Nullable(Type.Number()),
    totalBytes: Nullable(Type.Number()),
    minFreeBytes: Type.Number(),
    error: Type.Optional(Type.String()),
  }),
  models: Type.Array(ModelView),
  /** Where enhancement runs; null on a render-only node. */
  executor: Type.Union([ExecutorView, Type.Null()]),
});

/** Listeners from the config joined with their live state (port bound, up). */
export function listenerViews(deps: Pick<ApiDeps, 'config' | 'listeners'>) {
  const live = new Map(deps.listeners().map((l) => [l.name, l]));
  return deps.config().listeners.map((l) => ({
    name: l.name,
    aeTitle: l.aeTitle,
    host: l.host,
    port: live.get(l.name)?.port ?? l.port,
    transport: l.transport,
    up: live.get(l.name)?.up ?? false,
  }));
}

/** GET /api/status (one-screen summary of the node) and GET /api/models. */
export function statusRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/status',
      { schema: { summary: 'Node summary: listeners, queues, disk, models', tags: ['status'], response: { 200: StatusBody, ...errorResponses(401) } } },
      async () => {
        const config = deps.config();
        const minFreeBytes = config.limits.minFreeDiskMb * 1024 * 1024;
        let disk: { freeBytes: number | null; totalBytes: number | null; minFreeBytes: number; error?: string };
        try {
          disk = { ...(await deps.diskFree()), minFreeBytes };
        } catch (err) {
          disk = { freeBytes: null, totalBytes: null, minFreeBytes, error: errorMessage(err) };
        }
        return {
          node: {
            aeTitle: config.node.aeTitle,
            version: deps.version ?? '0.1.0',
            pid: process.pid,
            uptimeSeconds: Math.round(process.uptime()),
          },
          listeners: listenerViews(deps),
          jobs: countJobsByState(deps.db),
          deliveries: countDeliveriesByState(deps.db),
          quarantined: countQuarantine(deps.db),
          pendingSeries: deps.pendingSeries ? deps.pendingSeries() : null,
          disk,
          models: deps.models(),
          executor: deps.executor ? await deps.executor() : null,
        };
      },
    );

    app.get(
      '/api/models',
      {
        schema: {
          summary: 'Models loaded (id, SHA-256, device) or failed to load, with each preset\'s measured network contribution',
          description:
            'Per preset: the last ablation (`npm run eval -- --ablate`): gain over the network-free twin on noisy kinds, agreement, ' +
            'image set, commit and date, and whether the preset earns the UniMIE name with this model (`unimie`, `label`, `reason`): ' +
            'what its derived series are called.',
          tags: ['status'],
          response: { 200: Type.Array(ModelWithContributionView), ...errorResponses(401) },
        },
      },
      async () => modelsWithContribution(deps.models(), deps.config().presets, deps.contribution?.()),
    );
  };
}
