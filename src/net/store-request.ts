import { DimseStatus, formatStatus } from '../dicom/status.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { type EnvelopeFields, wrapPart10 } from './part10-envelope.js';
import { PdvCollector } from './pdv-collector.js';
import type { AssociationRequest, StoreHandler } from './types.js';

/** One C-STORE-RQ as the listener received it: command fields and the collected data set bytes. */
export interface ReceivedStore {
  /** The accepted association it came on (undefined: none was accepted, which cannot store). */
  association: AssociationRequest | undefined;
  sopClassUid: string;
  sopInstanceUid: string;
  /** The presentation context's accepted transfer syntax. */
  transferSyntaxUid: string | undefined;
  /** The data set behind its Part-10 prefix; undefined when it could not be framed. */
  collector: PdvCollector | undefined;
}

/**
 * The collector for a C-STORE-RQ's data set, its Part-10 prefix made from the command (PS3.10
 * §7.1). Throws when the command names no SOP Class or Instance UID or one that cannot be framed.
 */
export function storeCollector(fields: EnvelopeFields, limit: number, sizeHint?: number): PdvCollector {
  if (!fields.sopClassUid || !fields.sopInstanceUid) throw new Error('the C-STORE-RQ names no Affected SOP Class or Instance UID');
  return new PdvCollector(wrapPart10(fields, []), limit, sizeHint);
}

/**
 * The status to answer one C-STORE with: the data set, collected in the syntax it arrived in behind
 * its Part-10 prefix (no re-encoding), is handed to the StoreHandler in the buffer it was collected
 * in; its status is the answer. A data set that could not be
 * framed or a handler that fails gives 0x0110 (processing failure), never a dropped association
 * (PS3.4 B.2.3; pynetdicom's StorageServiceClass does the same).
 */
export async function answerStore(store: ReceivedStore, handler: StoreHandler, log: Logger): Promise<number> {
  const { association, sopClassUid, sopInstanceUid, transferSyntaxUid, collector } = store;
  if (!association || !collector || !transferSyntaxUid) return DimseStatus.ProcessingFailure;
  const bytes = collector.part10();
  const receivedBytes = collector.oversize ? collector.total : undefined;
  try {
    const status = await handler.onStore({ association, sopClassUid, sopInstanceUid, transferSyntaxUid, bytes, receivedBytes });
    log.debug({ associationId: association.id, sopInstanceUid, status: formatStatus(status) }, 'C-STORE answered');
    return status;
  } catch (err) {
    log.error({ associationId: association.id, sopInstanceUid, err: errorMessage(err) }, 'C-STORE handler failed: answering 0x0110');
    return DimseStatus.ProcessingFailure;
  } finally {
    if (handler.doneWithBytesOnAnswer) collector.release();
  }
}
