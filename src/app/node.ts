import type { Logger } from '../shared/log.js';
import { ConfigWatcher } from '../config/watch.js';
import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import type { Spool } from '../spool/spool.js';
import type { ScpTransport } from '../net/types.js';
import type { DeliveryWorker } from '../export/delivery-worker.js';
import type { ArrivalRouter } from '../pipeline/arrival-router.js';
import type { JobEvent, JobRunner } from '../pipeline/job-runner.js';
import type { NodeMetrics } from '../api/node-metrics.js';
import type { RunningApi } from '../api/build-api.js';
import type { RetentionCleaner } from '../retention/cleaner.js';
import { openNodeCore } from './node-core.js';
import { createEnhancement, type CreateEnhancer } from './wire-enhancement.js';
import { createDeliverySide } from './wire-delivery.js';
import { createProcessing } from './wire-processing.js';
import { prepareReceiveSide, startDiskGuard } from './wire-receive.js';
import { startListeners } from './wire-listeners.js';
import { startRetention } from './wire-retention.js';
import { followCertificateChanges, followConfigChanges } from './wire-reload.js';
import { startNodeApi } from './wire-api.js';
import { abandonStart, stopNode } from './stop-node.js';

export interface NodeOptions {
  /** Config folder holding node.yaml and rules.yaml. */
  configDir: string;
  log: Logger;
  /** The enhancement stage; absent when no model could be loaded (render-only rules still run). */
  createEnhancer?: CreateEnhancer;
  onJobEvent?: (event: JobEvent) => void;
  /** Serve the REST API, /metrics and health on config api.host:port (default true). */
  api?: boolean;
}

export interface RunningNode {
  config(): LoadedConfig;
  db: Db;
  spool: Spool;
  router: ArrivalRouter;
  runner: JobRunner;
  deliveries: DeliveryWorker;
  listeners: ScpTransport[];
  metrics: NodeMetrics;
  /** The cleaner (retention: in node.yaml): periodic runs, emergency purge, dry runs for the API. */
  retention: RetentionCleaner;
  api?: RunningApi;
  reload(): ReturnType<ConfigWatcher['reload']>;
  stop(): Promise<void>;
}

/**
 * Starts the node: config, database (migrations), enhancement engine, receive-side recovery (spool
 * temp files, open associations, DCMTK inbox), export worker, job runner, router (with recovery of
 * series received before a restart) and, last, the DICOM listeners — so nothing is accepted before
 * the node can keep it. Stops in reverse order (stop-node.ts).
 */
export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const log = opts.log;
  const watcher = new ConfigWatcher(opts.configDir, { logger: log });
  const config = (): LoadedConfig => watcher.current;
  const core = await openNodeCore(config, log);
  const enhancement = await createEnhancement(core, opts.createEnhancer);
  const { deliveries, routes } = createDeliverySide(core);
  const { runner, router } = createProcessing(core, enhancement, deliveries, opts.onJobEvent);
  // Recovery before anything writes to the spool; then exports, jobs, and the series left open.
  const receive = await prepareReceiveSide(core, router);
  deliveries.start();
  runner.start();
  await router.recover();

  const diskGuard = await startDiskGuard(core);
  const started = { core, enhancement, deliveries, runner, router, diskGuard };
  const listeners = await startListeners(core, receive, diskGuard).catch(async (err: unknown) => {
    await abandonStart(started);
    throw err;
  });
  const retention = startRetention(core, router);
  followConfigChanges(watcher, core, routes);
  watcher.watch();
  log.info(
    { listeners: config().listeners.map((l) => `${l.aeTitle}@${l.host}:${l.port} (${l.transport})`), enhancement: !!enhancement.enhancer },
    'node started',
  );

  let stopped = false;
  const node: RunningNode = {
    config,
    db: core.db,
    spool: core.spool,
    router,
    runner,
    deliveries,
    listeners,
    metrics: core.metrics,
    retention,
    reload: () => watcher.reload('sighup'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopNode({ ...started, api: node.api, watcher, listeners, retention });
    },
  };
  if (opts.api === false) return node;
  node.api = await startNodeApi(node, core, { enhancement, receive, diskGuard }).catch(async (err: unknown) => {
    await node.stop();
    throw err;
  });
  followCertificateChanges(watcher, node.api, log);
  return node;
}
