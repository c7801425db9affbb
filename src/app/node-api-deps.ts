import type { RunningNode } from './node.js';
import type { ResolvedDestination } from '../config/types.js';
import { fromResolvedDestination } from '../export/destination-kinds.js';
import { echoDestination } from '../export/echo-destination.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import type { ScuTransport } from '../net/types.js';
import type { Logger } from '../shared/log.js';
import type { ApiDeps, ListenerStatus, ModelStatus } from '../api/api-deps.js';
import type { NodeMetrics } from '../api/node-metrics.js';

export interface NodeApiOptions {
  log: Logger;
  metrics?: NodeMetrics;
  /** Models loaded or refused by the enhancement engine; default: none known. */
  models?: () => ModelStatus[];
  /** Where enhancement runs; default: unknown (the status shows null). */
  executor?: ApiDeps['executor'];
  /** The contribution record the node labels its series from; default: none (no measurement). */
  contribution?: ApiDeps['contribution'];
  /** The receive path behind POST /dicom-web/studies (STOW-RS); absent: that route answers 404. */
  stow?: ApiDeps['stow'];
  /** The SCU for destination echo; default: a dcmjs-dimse SCU. */
  scu?: ScuTransport;
  version?: string;
}

/**
 * ApiDeps over a started node. Listener names come from the config the listeners were started
 * with (listener changes take effect at restart, so later reloads do not rename them); a
 * listener counts as up while it has a bound port and the node has not been stopped.
 */
export function apiDepsOf(node: RunningNode, opts: NodeApiOptions): ApiDeps {
  const names = node.config().listeners.map((l) => l.name);
  const scu = opts.scu ?? createDcmjsScu({ log: opts.log.child({ stage: 'api' }) });
  const listeners = (): ListenerStatus[] =>
    node.listeners.map((l, i) => {
      const port = safePort(l);
      return { name: names[i] ?? `listener-${i}`, port, up: port > 0 && node.db.open };
    });
  return {
    db: node.db,
    config: node.config,
    diskFree: () => node.spool.diskFree(),
    reload: () => node.reload(),
    cancelRunningJob: (id) => node.runner.cancel(id),
    kickJobs: () => node.runner.kick(),
    kickDeliveries: () => node.deliveries.kick(),
    echo: (name) => echoDestination(fromResolvedDestination(node.config().destinations[name] as ResolvedDestination), { scu }),
    models: opts.models ?? (() => []),
    executor: opts.executor,
    contribution: opts.contribution,
    listeners,
    pendingSeries: () => node.router.pendingCount(),
    retention: { plan: () => node.retention.run({ dryRun: true }), runs: (limit) => node.retention.runs(limit) },
    stow: opts.stow,
    metrics: opts.metrics,
    log: opts.log,
    version: opts.version,
  };
}

function safePort(l: { port(): number }): number {
  try {
    return l.port();
  } catch {
    return 0;
  }
}
