import type { Logger } from '../shared/log.js';
import type { Spool, SpoolRecovery } from '../spool/spool.js';
import type { AssociationRecorder } from './association-recorder.js';
import { recoverInbox, type InboxRecovery } from './inbox-recovery.js';
import type { InstanceReceiver } from './instance-receiver.js';
import { rescanSpool, type SpoolRescan } from './spool-rescan.js';

export interface ReceiveRecovery {
  spool: SpoolRecovery;
  /** Spooled files whose rows a power cut took, registered again. */
  rescan: SpoolRescan;
  /** Associations a dead process left open, now closed as `error`. */
  interruptedAssociations: number;
  inbox: InboxRecovery;
}

/**
 * Start-up recovery of the receive side, before any listener starts: delete temp files of
 * unacknowledged writes, register spooled files whose rows were lost (spool-rescan.ts), close
 * association rows of the previous process, and adopt files the DCMTK transport left in its inbox.
 * Nothing acknowledged is touched.
 */
export async function recoverReceiveSide(deps: {
  spool: Spool;
  receiver: InstanceReceiver;
  recorder: AssociationRecorder;
  log: Logger;
  /** Inbox directories to adopt (default: the spool's `inbox/`). */
  inboxDirs?: string[];
  calledAe?: string;
}): Promise<ReceiveRecovery> {
  const spool = await deps.spool.recover();
  const rescan = await rescanSpool(deps);
  const interruptedAssociations = deps.recorder.recoverInterrupted();
  const inbox: InboxRecovery = { outcomes: {}, kept: 0 };
  for (const dir of deps.inboxDirs ?? [deps.spool.inboxDir]) {
    const r = await recoverInbox(deps.receiver, dir, { log: deps.log, calledAe: deps.calledAe });
    inbox.kept += r.kept;
    for (const [k, n] of Object.entries(r.outcomes) as Array<[keyof InboxRecovery['outcomes'], number]>) {
      inbox.outcomes[k] = (inbox.outcomes[k] ?? 0) + n;
    }
  }
  deps.log.info({ spool, rescan, interruptedAssociations, inbox }, 'receive side recovered');
  return { spool, rescan, interruptedAssociations, inbox };
}
