import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPart10 } from '../../dicom/part10.js';
import { isNativeTransferSyntax, transferSyntaxName } from '../../dicom/transfer-syntax.js';
import type { ScuTransport } from '../../net/types.js';
import { ConfigError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { remoteNodeOf, type ExportDestination } from '../destination.js';
import { encodePart10 } from '../encode-transfer-syntax.js';
import type { ScuStoreOutcome } from '../../net/scu-outcome.js';
import type { DeliveryItem, Transport } from '../transport.js';

/**
 * Delivers by C-STORE through a network SCU adapter (dcmjs-dimse or dicom-dimse-native). Objects
 * stored in a native syntax are first re-encoded (losslessly, verified) in the destination's
 * preferred `transferSyntax`, into a scratch folder removed after the send; the SCU proposes that
 * syntax plus Explicit and Implicit VR LE, each in its own presentation context, and falls back
 * when the peer refuses the preferred one. An object that cannot be encoded goes out as stored.
 * A forwarded original (`asStored`) is never re-encoded and goes out only in its own syntax.
 */
export function createDimseScuTransport(scu: ScuTransport, deps: { log?: Logger } = {}): Transport {
  const query = scu.holds?.bind(scu);
  return {
    kind: 'dimse',
    ...(query
      ? {
          async holds(dest: ExportDestination, items: DeliveryItem[]) {
            if (dest.kind !== 'dimse') throw new ConfigError(`destination "${dest.name}" is not a DIMSE destination`);
            const keys = [];
            for (const item of items) {
              const { dataset } = readPart10(await readFile(item.path), { untilPixelData: true });
              keys.push({ studyInstanceUid: String(dataset.StudyInstanceUID), seriesInstanceUid: String(dataset.SeriesInstanceUID), sopInstanceUid: item.sopInstanceUid });
            }
            return query(remoteNodeOf(dest), keys);
          },
        }
      : {}),
    async send(dest: ExportDestination, items: DeliveryItem[], onResponse?: (outcome: ScuStoreOutcome) => void) {
      if (dest.kind !== 'dimse') throw new ConfigError(`destination "${dest.name}" is not a DIMSE destination`);
      if (items.length === 0) return [];
      const peer = remoteNodeOf(dest);
      const preferred = peer.proposedTransferSyntaxes?.[0];
      const needsEncoding = (i: DeliveryItem) =>
        !i.asStored && preferred !== undefined && i.transferSyntaxUid !== preferred && isNativeTransferSyntax(i.transferSyntaxUid);
      if (!items.some(needsEncoding)) return scu.store(peer, items, onResponse);
      const dir = await mkdtemp(join(tmpdir(), 'export-ts-'));
      try {
        const prepared: DeliveryItem[] = [];
        for (const [n, item] of items.entries()) {
          if (!needsEncoding(item)) {
            prepared.push(item);
            continue;
          }
          try {
            const path = join(dir, `${n}.dcm`);
            await writeFile(path, await encodePart10(await readFile(item.path), preferred!));
            prepared.push({ ...item, path, transferSyntaxUid: preferred! });
          } catch (err) {
            deps.log?.warn(
              { destination: dest.name, sopInstanceUid: item.sopInstanceUid, transferSyntax: transferSyntaxName(preferred!), err: errorMessage(err) },
              'cannot encode in the preferred transfer syntax; sending as stored',
            );
            prepared.push(item);
          }
        }
        return await scu.store(peer, prepared, onResponse);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
