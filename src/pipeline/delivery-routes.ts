import type { LoadedConfig } from '../config/load.js';
import type { ResolvedDestination } from '../config/types.js';
import type { DeliveryRoute } from '../export/delivery-worker.js';
import { fromResolvedDestination } from '../export/destination.js';
import { createDimseScuTransport } from '../export/transports/dimse-scu.js';
import { createDicomwebTransport } from '../export/transports/dicomweb.js';
import { createFolderTransport } from '../export/transports/folder.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import type { Logger } from '../shared/log.js';

/** One export route (transport + destination) per configured destination. */
export function buildDeliveryRoutes(config: LoadedConfig, log: Logger): Record<string, DeliveryRoute> {
  const scu = createDcmjsScu({ log: log.child({ stage: 'export' }) });
  const routes: Record<string, DeliveryRoute> = {};
  for (const [name, d] of Object.entries(config.destinations)) {
    const destination = fromResolvedDestination(d as ResolvedDestination);
    routes[name] = {
      destination,
      transport:
        destination.kind === 'dimse'
          ? createDimseScuTransport(scu, { log: log.child({ stage: 'export' }) })
          : destination.kind === 'dicomweb'
            ? createDicomwebTransport()
            : createFolderTransport(),
    };
  }
  return routes;
}
