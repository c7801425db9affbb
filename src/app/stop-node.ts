import type { ConfigWatcher } from '../config/watch.js';
import type { RunningApi } from '../api/build-api.js';
import type { DeliveryWorker } from '../export/delivery-worker.js';
import type { ScpTransport } from '../net/types.js';
import type { RetentionCleaner } from '../retention/cleaner.js';
import { errorMessage } from '../shared/errors.js';
import type { DiskGuard } from './listeners.js';
import type { NodeCore } from './node-core.js';
import type { Enhancement } from './wire-enhancement.js';
import type { Processing } from './wire-processing.js';

/** What is running once the processing side has started, before the listeners. */
export interface StartedProcessing extends Processing {
  core: NodeCore;
  enhancement: Enhancement;
  deliveries: DeliveryWorker;
  diskGuard: DiskGuard;
}

/** Everything a started node stops. */
export interface StartedNode extends StartedProcessing {
  api?: RunningApi;
  watcher: ConfigWatcher;
  listeners: ScpTransport[];
  retention: RetentionCleaner;
}

/**
 * Stops a started node: first nothing new comes in (API, reloads, listeners), then the processing
 * side stops; alerts raised while stopping get 2 s to go out (the rest wait for the next start);
 * then the cleaner and the audit, the database last.
 */
export async function stopNode(node: StartedNode): Promise<void> {
  const { alerter, audit, db, log } = node.core;
  await node.api?.close();
  node.watcher.close();
  await Promise.all(node.listeners.map((l) => l.stop().catch((err) => log.error({ err: errorMessage(err) }, 'listener stop failed'))));
  await stopProcessing(node);
  await alerter.flush(2000);
  await alerter.stop();
  await node.retention.stop();
  await audit.stop();
  db.close();
  log.info('node stopped');
}

/**
 * The listeners did not start, so the node will not run: the alert about the listener goes out
 * (or is stored for the next start) first, then what was started stops.
 */
export async function abandonStart(started: StartedProcessing): Promise<void> {
  const { alerter, audit, db } = started.core;
  await alerter.flush(10_000);
  await alerter.stop();
  await stopProcessing(started);
  await audit.stop();
  db.close();
}

async function stopProcessing({ core, router, diskGuard, runner, enhancement, deliveries }: StartedProcessing): Promise<void> {
  router.stop();
  diskGuard.stop();
  await runner.stop();
  await enhancement.close();
  await deliveries.stop();
  await core.spool.releaseSpares().catch((err) => core.log.warn({ err: errorMessage(err) }, 'cannot remove the spool writers’ spare files'));
}
