/** Records the audit events of DICOM associations, from the association log the receiver keeps. */
import { getAssociation } from '../provenance/associations.js';
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';
import { recordAudit } from './audit-log.js';
import { associationRejectedEvent, associationStoredEvents, type StudyReceipt } from './transfer-events.js';

/** The studies an association stored instances of, with how many each. */
export function studiesOfAssociation(db: Db, associationId: string): StudyReceipt[] {
  return prepared(db, 'SELECT study_uid AS studyUid, COUNT(*) AS instances FROM instances WHERE association_id = ? GROUP BY study_uid ORDER BY MIN(id)').all(
    associationId,
  ) as StudyReceipt[];
}

/** After an association ended: one Instances Transferred event per study it stored (none when it stored nothing). */
export function auditAssociationEnded(db: Db, associationId: string, now: number): number {
  const a = getAssociation(db, associationId);
  if (!a || a.instancesReceived === 0) return 0;
  const events = associationStoredEvents(a, studiesOfAssociation(db, associationId), now);
  for (const e of events) recordAudit(db, e);
  return events.length;
}

export function auditAssociationRejected(
  db: Db,
  req: { id: string; callingAeTitle: string; calledAeTitle: string; remoteAddress: string },
  why: string,
  now: number,
): void {
  recordAudit(db, associationRejectedEvent(req, why, now));
}
