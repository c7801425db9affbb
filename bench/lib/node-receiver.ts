import type { RunningNode } from '../../src/app/node.js';
import { ACCEPTED_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import { isOwnOutput } from '../../src/derive/equipment.js';
import { canDecodeTransferSyntax } from '../../src/dicom/pixels.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import type { Logger } from '../../src/shared/log.js';

/**
 * An InstanceReceiver wired exactly as startNode() wires its own (same database, spool, router and
 * limits). RunningNode does not expose the node's receiver, so the benchmark builds this twin for
 * the paths startNode does not start itself: the dicom-dimse-native listener and the in-process
 * ingest breakdown.
 */
export function createNodeReceiver(node: RunningNode, log: Logger): InstanceReceiver {
  const limits = node.config().limits;
  return new InstanceReceiver({
    db: node.db,
    spool: node.spool,
    log: log.child({ stage: 'receive' }),
    onStored: (ev) => node.router.onStored(ev),
    decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodeTransferSyntax),
    maxInstanceBytes: limits.maxInstanceMb * 1024 * 1024,
    minFreeBytes: limits.minFreeDiskMb * 1024 * 1024,
    isOwnOutput,
  });
}
