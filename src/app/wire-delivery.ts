import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../shared/log.js';
import { DeliveryWorker } from '../export/delivery-worker.js';
import { buildDeliveryRoutes } from '../pipeline/delivery-routes.js';
import { deliveryDeadAlert } from '../alerts/alert-event.js';
import type { NodeCore } from './node-core.js';

export type DeliveryRoutes = ReturnType<typeof buildDeliveryRoutes>;

export interface DeliverySide {
  deliveries: DeliveryWorker;
  /** The worker's destinations by name; changed in place when node.yaml is reloaded. */
  routes: DeliveryRoutes;
}

/** The export worker over the configured destinations; each attempt is counted and audited, a dead delivery alerts. */
export function createDeliverySide(core: NodeCore): DeliverySide {
  const { db, log, metrics, audit, alerter } = core;
  const routes = buildDeliveryRoutes(core.config(), log);
  const deliveries = new DeliveryWorker({
    db,
    transports: routes,
    log: log.child({ stage: 'export' }),
    pollMs: 1000,
    onAttempt: (row, verdict, error) => {
      metrics.deliveryAttempt(row.destination, verdict, (Date.now() - row.createdAt) / 1000);
      audit.deliveries.onAttempt(row, verdict, error);
      if (verdict === 'dead') {
        alerter.raise(deliveryDeadAlert({ destination: row.destination, deliveryId: row.id, jobId: row.jobId, seriesUid: row.seriesUid, attempts: row.attempts + 1, error: error ?? 'unknown' }));
      }
    },
  });
  return { deliveries, routes };
}

/** Points the worker's routes at the reloaded destinations: new and changed ones replaced, removed ones dropped. */
export function applyDestinationChanges(routes: DeliveryRoutes, next: LoadedConfig, log: Logger): void {
  Object.assign(routes, buildDeliveryRoutes(next, log));
  for (const name of Object.keys(routes)) if (!(name in next.destinations)) delete routes[name];
}
