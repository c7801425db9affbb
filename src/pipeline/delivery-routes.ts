import type { LoadedConfig } from '../config/load.js';
import type { ResolvedDestination } from '../config/types.js';
import type { DeliveryRoute } from '../export/delivery-worker.js';
import { createTransportFor, fromResolvedDestination } from '../export/destination-kinds.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import type { Logger } from '../shared/log.js';

/** One export route (transport + destination) per configured destination, by its kind's transport. */
export function buildDeliveryRoutes(config: LoadedConfig, log: Logger): Record<string, DeliveryRoute> {
  const exportLog = log.child({ stage: 'export' });
  const services = { scu: createDcmjsScu({ log: exportLog }), log: exportLog };
  const routes: Record<string, DeliveryRoute> = {};
  for (const [name, d] of Object.entries(config.destinations)) {
    const destination = fromResolvedDestination(d as ResolvedDestination);
    routes[name] = { destination, transport: createTransportFor(destination, services) };
  }
  return routes;
}
