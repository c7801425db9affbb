import { InstanceReceiver } from '../receive/instance-receiver.js';
import { AssociationRecorder } from '../receive/association-recorder.js';
import { recoverReceiveSide } from '../receive/startup-recovery.js';
import { QueueGuard } from '../receive/queue-guard.js';
import { isOwnOutput } from '../derive/equipment.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels } from '../dicom/transfer-syntax.js';
import type { ArrivalRouter } from '../pipeline/arrival-router.js';
import { diskAlert } from '../alerts/alert-event.js';
import { DiskGuard } from './listeners.js';
import type { NodeCore } from './node-core.js';

export interface ReceiveSide {
  /** Stores what C-STORE, STOW-RS and the DCMTK inbox bring into the spool, then tells the router. */
  receiver: InstanceReceiver;
  queueGuard: QueueGuard;
}

/**
 * The receiver, recovered before anything writes to the spool: temp files of unacknowledged writes,
 * association rows left open by a dead process, files the DCMTK listener wrote but the node had not adopted.
 */
export async function prepareReceiveSide(core: NodeCore, router: ArrivalRouter): Promise<ReceiveSide> {
  const { config, db, spool, log, metrics } = core;
  const queueGuard = new QueueGuard(db, () => config().limits.maxQueueDepth);
  const receiver = new InstanceReceiver({
    db,
    spool,
    log: log.child({ stage: 'receive' }),
    onStored: (ev) => {
      metrics.instanceReceived(ev.sopClassUid, ev.transferSyntaxUid, ev.size);
      router.onStored(ev);
    },
    decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels),
    maxInstanceBytes: config().limits.maxInstanceMb * 1024 * 1024,
    minFreeBytes: config().limits.minFreeDiskMb * 1024 * 1024,
    isQueueFull: () => queueGuard.full(),
    isOwnOutput,
  });
  const recovery = await recoverReceiveSide({ spool, receiver, recorder: new AssociationRecorder({ db, log, transport: 'startup' }), log });
  if (recovery.inbox.kept > 0) log.warn({ kept: recovery.inbox.kept }, 'inbox files kept for a later attempt');
  return { receiver, queueGuard };
}

/** Checks free spool space now and every 5 s; while it is low, associations and STOW-RS are refused (and an alert says so). */
export async function startDiskGuard({ config, spool, log, alerter }: NodeCore): Promise<DiskGuard> {
  const diskGuard = new DiskGuard(spool, config().limits.minFreeDiskMb * 1024 * 1024, log, 5000, (low, freeBytes, minFreeBytes) =>
    alerter.raise(diskAlert({ low, freeBytes, minFreeBytes })),
  );
  await diskGuard.start();
  return diskGuard;
}
