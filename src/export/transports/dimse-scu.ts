import { ConfigError } from '../../shared/errors.js';
import type { ScuTransport } from '../../net/types.js';
import { remoteNodeOf, type ExportDestination } from '../destination.js';
import type { DeliveryItem, Transport } from '../transport.js';

/** Delivers by C-STORE through a network SCU adapter (dcmjs-dimse or dicom-dimse-native). */
export function createDimseScuTransport(scu: ScuTransport): Transport {
  return {
    kind: 'dimse',
    async send(dest: ExportDestination, items: DeliveryItem[]) {
      if (dest.kind !== 'dimse') throw new ConfigError(`destination "${dest.name}" is not a DIMSE destination`);
      if (items.length === 0) return [];
      return scu.store(remoteNodeOf(dest), items);
    },
  };
}
