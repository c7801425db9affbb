import { errorMessage } from '../shared/errors.js';
import type { AssociationEvents, ScpTransport } from '../net/types.js';
import { AssociationRecorder } from '../receive/association-recorder.js';
import { rejectReasonLabel } from '../api/reject-reason-label.js';
import { listenerDownAlert } from '../alerts/alert-event.js';
import { createListeners, type DiskGuard } from './listeners.js';
import type { ReceiveSide } from './wire-receive.js';
import type { NodeCore } from './node-core.js';

/** The DICOM listeners of node.yaml, guarded by free disk space and queue depth; a listener that goes down alerts. */
export async function startListeners(core: NodeCore, receive: ReceiveSide, diskGuard: DiskGuard): Promise<ScpTransport[]> {
  const { config, alerter, log } = core;
  return createListeners(config(), {
    onListenerDown: (l, err) => alerter.raise(listenerDownAlert({ listener: l.name, aeTitle: l.aeTitle, host: l.host, port: l.port, error: errorMessage(err) })),
    receiver: receive.receiver,
    log,
    recorder: associationRecorders(core),
    isDiskLow: () => diskGuard.low,
    isQueueFull: () => receive.queueGuard.full(),
    inboxDir: core.spool.inboxDir,
    maxInstanceBytes: config().limits.maxInstanceMb * 1024 * 1024,
  });
}

/** One recorder per transport: each association is stored, counted and, when rejected or ended, audited. */
function associationRecorders({ db, log, metrics, audit }: NodeCore): (transport: string) => AssociationEvents {
  const recorders = new Map<string, AssociationEvents>();
  return (transport) => {
    if (!recorders.has(transport)) {
      const rec = new AssociationRecorder({ db, log, transport });
      recorders.set(transport, {
        onAssociationAccepted: (req) => {
          rec.onAssociationAccepted(req);
          metrics.associationAccepted(req.listener);
        },
        onAssociationRejected: (req, rj) => {
          rec.onAssociationRejected(req, rj);
          metrics.associationRejected(req.listener, rejectReasonLabel(rj));
          audit.associationRejected(req, rj.why);
        },
        onAssociationClosed: (req, outcome, err) => {
          rec.onAssociationClosed(req, outcome, err);
          audit.associationEnded(req.id);
        },
      });
    }
    return recorders.get(transport)!;
  };
}
