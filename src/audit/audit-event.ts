import type { AuditAction, AuditEventId, AuditEventType, AuditOutcome } from './audit-codes.js';

/** Who acted: an API user, a DICOM peer (AE title), or someone at the node's command line. */
export interface AuditActor {
  name: string;
  kind: 'user' | 'dicom-peer' | 'command-line' | 'node' | 'unauthenticated';
  /** IP address or host the actor came from. */
  host?: string;
}

/**
 * What was touched (ParticipantObjectIdentification): a study, series, instance, patient, user, or the
 * configuration; a `destination` is the DICOM node or folder an export went to (an ActiveParticipant
 * in the DICOM audit message).
 */
export interface AuditObject {
  kind: 'study' | 'series' | 'instance' | 'patient' | 'user' | 'configuration' | 'query' | 'job' | 'delivery' | 'destination';
  id: string;
}

export interface AuditEvent {
  at: number;
  eventId: AuditEventId;
  eventType?: AuditEventType;
  action: AuditAction;
  outcome: AuditOutcome;
  actor: AuditActor;
  /** The API route or command that acted (`GET /api/studies/:uid`, `users add`). */
  route?: string;
  /** The study the event concerns, when there is one (indexed: "who saw this study"). */
  studyUid?: string;
  objects: AuditObject[];
  /** A short free text (never a secret; patient identifiers only in `objects`). */
  detail?: string;
}
