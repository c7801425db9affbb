/** Audit events of DICOM transfers: associations that stored studies or were refused, and exports (PS3.15 A.5.3). */
import type { AuditOutcome } from './audit-codes.js';
import type { AuditEvent } from './audit-event.js';

/** An ended association as the audit needs it (provenance AssociationRow fields). */
export interface EndedAssociation {
  id: string;
  callingAe: string;
  calledAe: string;
  remoteHost: string;
  outcome: string;
  failures: number;
}

/** Instances one association stored for one study. */
export interface StudyReceipt {
  studyUid: string;
  instances: number;
}

/**
 * DICOM Instances Transferred (110104, action C), one event per study an association stored (an
 * audit message may cover one patient only, PS3.15 A.5.3.4): the calling AE as the source, the node
 * as the destination. Minor failure when the association did not end in a release or lost instances.
 */
export function associationStoredEvents(a: EndedAssociation, studies: StudyReceipt[], at: number): AuditEvent[] {
  const outcome: AuditOutcome = a.outcome === 'released' && a.failures === 0 ? 0 : 4;
  return studies.map((s) => ({
    at,
    eventId: '110104',
    action: 'C',
    outcome,
    actor: { name: a.callingAe, kind: 'dicom-peer', host: a.remoteHost },
    route: `association ${a.id}`,
    studyUid: s.studyUid,
    objects: [{ kind: 'study', id: s.studyUid }],
    detail: `${s.instances} instance(s) stored from ${a.callingAe} to ${a.calledAe}; association ${a.outcome}${a.failures ? `, ${a.failures} instance(s) refused` : ''}`,
  }));
}

/** A refused association: Security Alert (110113), Node Authentication (110126), minor failure, with the A-ASSOCIATE-RJ reason. */
export function associationRejectedEvent(
  req: { id: string; callingAeTitle: string; calledAeTitle: string; remoteAddress: string },
  why: string,
  at: number,
): AuditEvent {
  return {
    at,
    eventId: '110113',
    eventType: '110126',
    action: 'E',
    outcome: 4,
    actor: { name: req.callingAeTitle, kind: 'dicom-peer', host: req.remoteAddress },
    route: `association ${req.id}`,
    objects: [],
    detail: `association to ${req.calledAeTitle} rejected: ${why}`,
  };
}

/** Instances of one series that reached a destination, or were given up on, in a short window. */
export interface DeliveryBatch {
  destination: string;
  seriesUid: string;
  studyUid?: string;
  verdict: 'delivered' | 'dead';
  instances: number;
  lastError?: string;
}

/**
 * DICOM Instances Transferred (110104, action R): the node as the source, the destination as the
 * receiving participant, the study (or the series, when the node does not know its study).
 * A dead delivery is a serious failure.
 */
export function deliveryEvent(b: DeliveryBatch, nodeAeTitle: string, at: number): AuditEvent {
  const delivered = b.verdict === 'delivered';
  return {
    at,
    eventId: '110104',
    action: 'R',
    outcome: delivered ? 0 : 8,
    actor: { name: nodeAeTitle, kind: 'node' },
    route: 'export',
    ...(b.studyUid ? { studyUid: b.studyUid } : {}),
    objects: [{ kind: 'destination', id: b.destination }, b.studyUid ? { kind: 'study', id: b.studyUid } : { kind: 'series', id: b.seriesUid }],
    detail: delivered
      ? `${b.instances} instance(s) of series ${b.seriesUid} delivered to ${b.destination}`
      : `${b.instances} instance(s) of series ${b.seriesUid} not delivered to ${b.destination} (dead): ${b.lastError ?? 'unknown error'}`,
  };
}
