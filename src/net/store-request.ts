import { DimseStatus, formatStatus } from '../dicom/status.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { wrapPart10 } from './part10-envelope.js';
import type { PdvCollector } from './pdv-collector.js';
import type { AssociationRequest, StoreHandler } from './types.js';

/** One C-STORE-RQ as the listener received it: command fields and the collected data set bytes. */
export interface ReceivedStore {
  /** The accepted association it came on (undefined: none was accepted, which cannot store). */
  association: AssociationRequest | undefined;
  sopClassUid: string;
  sopInstanceUid: string;
  /** The presentation context's accepted transfer syntax. */
  transferSyntaxUid: string | undefined;
  collector: PdvCollector | undefined;
}

/**
 * The status to answer one C-STORE with: the data set is framed as a Part-10 file in the syntax it
 * arrived in (no re-encoding) and handed to the StoreHandler; its status is the answer. A data set
 * that cannot be framed or a handler that fails gives 0x0110 (processing failure), never a dropped
 * association (PS3.4 B.2.3; pynetdicom's StorageServiceClass does the same).
 */
export async function answerStore(store: ReceivedStore, handler: StoreHandler, log: Logger): Promise<number> {
  const { association, sopClassUid, sopInstanceUid, transferSyntaxUid, collector } = store;
  if (!association || !collector || !transferSyntaxUid) return DimseStatus.ProcessingFailure;
  let bytes: Buffer;
  try {
    bytes = wrapPart10({ sopClassUid, sopInstanceUid, transferSyntaxUid, sourceAeTitle: association.callingAeTitle }, collector.chunks);
  } catch (err) {
    log.error({ associationId: association.id, sopInstanceUid, err: errorMessage(err) }, 'C-STORE: cannot frame data set');
    return DimseStatus.ProcessingFailure;
  }
  // The framed copy is all that is needed from here: let the PDV chunks go.
  collector.chunks.length = 0;
  const receivedBytes = collector.oversize ? collector.total : undefined;
  try {
    const status = await handler.onStore({ association, sopClassUid, sopInstanceUid, transferSyntaxUid, bytes, receivedBytes });
    log.debug({ associationId: association.id, sopInstanceUid, status: formatStatus(status) }, 'C-STORE answered');
    return status;
  } catch (err) {
    log.error({ associationId: association.id, sopInstanceUid, err: errorMessage(err) }, 'C-STORE handler failed: answering 0x0110');
    return DimseStatus.ProcessingFailure;
  }
}
