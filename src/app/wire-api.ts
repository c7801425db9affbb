import { startApi, type RunningApi } from '../api/build-api.js';
import { apiDepsOf } from './node-api-deps.js';
import type { DiskGuard } from './listeners.js';
import type { Enhancement } from './wire-enhancement.js';
import type { ReceiveSide } from './wire-receive.js';
import type { NodeCore } from './node-core.js';
import type { RunningNode } from './node.js';

/** What the API shows or drives beyond the running node itself. */
export interface ApiSources {
  enhancement: Enhancement;
  receive: ReceiveSide;
  diskGuard: DiskGuard;
}

/** Serves the REST API, /metrics and health on api.host:port of node.yaml (HTTPS when api.tls is set). */
export async function startNodeApi(node: RunningNode, core: NodeCore, { enhancement, receive, diskGuard }: ApiSources): Promise<RunningApi> {
  const { config, log, metrics } = core;
  const { enhancer, contribution } = enhancement;
  const deps = apiDepsOf(node, {
    log: log.child({ stage: 'api' }),
    metrics,
    models: () => enhancer?.models() ?? [],
    executor: async () => (await enhancer?.executorStatus?.()) ?? null,
    contribution: () => contribution.status(),
    // STOW-RS (stow: in node.yaml) takes objects in through the same receiver and guards as C-STORE.
    stow: { ingest: (input) => receive.receiver.ingest(input), isDiskLow: () => diskGuard.low, isQueueFull: () => receive.queueGuard.full() },
  });
  metrics.attach({ listeners: deps.listeners });
  return startApi(deps, { host: config().api.host, port: config().api.port, tls: config().api.tls });
}
