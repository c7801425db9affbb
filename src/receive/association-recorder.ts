import type { AssociationEvents, AssociationReject, AssociationRequest } from '../net/types.js';
import { describeReject } from '../net/reject-text.js';
import {
  closeAssociation,
  closeInterruptedAssociations,
  getAssociation,
  insertOpenAssociation,
  insertRejectedAssociation,
  type NewAssociation,
} from '../provenance/associations.js';
import type { Db } from '../provenance/database.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';

export interface AssociationRecorderDeps {
  db: Db;
  log: Logger;
  /** Which transport adapter the events come from (`dcmjs-dimse`, `dicom-dimse-native`). */
  transport: string;
  now?: () => number;
}

/**
 * Writes the association log: a row per attempt (open → released / aborted / error, or rejected
 * with its A-ASSOCIATE-RJ reason). The instance, byte and failure counters are added by the
 * receiver in the same transaction as each instance. Event handlers never throw into the transport.
 */
export class AssociationRecorder implements AssociationEvents {
  private readonly deps: AssociationRecorderDeps;
  private readonly now: () => number;

  constructor(deps: AssociationRecorderDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  /** Start-up: associations left `open` by a process that died are closed as `error`. */
  recoverInterrupted(): number {
    const n = closeInterruptedAssociations(this.deps.db, this.now());
    if (n > 0) this.deps.log.warn({ count: n }, 'closed associations left open by a previous run');
    return n;
  }

  onAssociationAccepted(req: AssociationRequest): void {
    this.guard(req, () => insertOpenAssociation(this.deps.db, this.row(req)));
    this.deps.log.info(this.fields(req), 'association accepted');
  }

  onAssociationRejected(req: AssociationRequest, reject: AssociationReject): void {
    const reason = `${reject.why} (A-ASSOCIATE-RJ result ${reject.result}, source ${reject.source}, reason ${reject.reason}: ${describeReject(reject)})`;
    this.guard(req, () => insertRejectedAssociation(this.deps.db, this.row(req), reason));
    this.deps.log.warn({ ...this.fields(req), reject }, `association rejected: ${reject.why}`);
  }

  onAssociationClosed(req: AssociationRequest, outcome: 'released' | 'aborted' | 'error', error?: Error): void {
    const message = error ? errorMessage(error) : undefined;
    this.guard(req, () => {
      if (!closeAssociation(this.deps.db, req.id, outcome, this.now(), message)) {
        // Closed without an accept event (or twice): record what we know rather than lose it.
        if (!getAssociation(this.deps.db, req.id)) {
          insertOpenAssociation(this.deps.db, this.row(req));
          closeAssociation(this.deps.db, req.id, outcome, this.now(), message);
        }
      }
    });
    const row = this.safeGet(req.id);
    const fields = {
      ...this.fields(req),
      outcome,
      instances: row?.instancesReceived,
      bytes: row?.bytesReceived,
      failures: row?.failures,
      ...(message ? { error: message } : {}),
    };
    if (outcome === 'released') this.deps.log.info(fields, 'association released');
    else this.deps.log.warn(fields, `association ${outcome}`);
  }

  private row(req: AssociationRequest): NewAssociation {
    return {
      id: req.id,
      listener: req.listener,
      transport: this.deps.transport,
      callingAe: req.callingAeTitle,
      calledAe: req.calledAeTitle,
      remoteHost: req.remoteAddress,
      remotePort: req.remotePort,
      tls: req.tls,
      startedAt: this.now(),
    };
  }

  private fields(req: AssociationRequest) {
    return {
      associationId: req.id,
      listener: req.listener,
      callingAe: req.callingAeTitle,
      calledAe: req.calledAeTitle,
      remote: `${req.remoteAddress}:${req.remotePort}`,
      tls: req.tls,
    };
  }

  private safeGet(id: string) {
    try {
      return getAssociation(this.deps.db, id);
    } catch {
      return undefined;
    }
  }

  private guard(req: AssociationRequest, write: () => void): void {
    try {
      write();
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), associationId: req.id }, 'cannot write the association log');
    }
  }
}
