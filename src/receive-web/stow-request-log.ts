import { randomUUID } from 'node:crypto';
import {
  closeAssociation,
  countAssociationFailure,
  insertOpenAssociation,
  insertRejectedAssociation,
  type NewAssociation,
} from '../provenance/associations.js';
import type { Db } from '../provenance/database.js';
import { auditAssociationEnded, auditAssociationRejected } from '../audit/association-audit.js';

/** The listener and transport name a STOW-RS request is recorded under in `associations`. */
export const STOW_TRANSPORT = 'stow-rs';

/** Who sent a STOW-RS request, from where. */
export interface StowPeer {
  /** The client's name: the calling AE title's part. */
  callingAe: string;
  /** stow.aeTitle: the called AE title's part. */
  calledAe: string;
  remoteHost: string;
  remotePort?: number;
  tls: boolean;
}

/**
 * One STOW-RS request is recorded like one association: a row in `associations` (transport and
 * listener `stow-rs`) opened when the request is accepted, counting its instances, bytes and
 * failures (the receiver counts what it takes in), and closed `released` when the response is
 * built, `aborted` when the client went away, `error` when the body could not be read. A refused
 * request (client not allowed from its host, wrong media type, too large, node busy) is a
 * `rejected` row with the reason.
 */
export class StowRequestLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private row(peer: StowPeer): NewAssociation {
    return { id: `stow-${randomUUID()}`, listener: STOW_TRANSPORT, transport: STOW_TRANSPORT, ...peer, startedAt: this.now() };
  }

  open(peer: StowPeer): string {
    const row = this.row(peer);
    insertOpenAssociation(this.db, row);
    return row.id;
  }

  reject(peer: StowPeer, reason: string): void {
    const row = this.row(peer);
    insertRejectedAssociation(this.db, row, reason);
    auditAssociationRejected(this.db, { id: row.id, callingAeTitle: peer.callingAe, calledAeTitle: peer.calledAe, remoteAddress: peer.remoteHost }, reason, this.now());
  }

  countFailure(id: string, bytes: number): void {
    countAssociationFailure(this.db, id, bytes);
  }

  close(id: string, outcome: 'released' | 'aborted' | 'error', error?: string): void {
    closeAssociation(this.db, id, outcome, this.now(), error);
    // The audit trail, as for a C-STORE association: one Instances Transferred event per study stored.
    auditAssociationEnded(this.db, id, this.now());
  }
}
