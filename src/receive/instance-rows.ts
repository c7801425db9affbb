import { countAssociationInstance } from '../provenance/associations.js';
import type { Db } from '../provenance/database.js';
import { insertInstance, restoreInstance, setInstanceStatus, type InstanceRow } from '../provenance/instances.js';
import { recordSeriesArrival, refreshSeriesCount } from '../provenance/series.js';
import { recordStudyAttributes } from '../provenance/studies.js';
import { studyAttributesOf } from '../dicom/study-attributes.js';
import type { InstanceFacts } from './instance-inspection.js';
import type { StoredStatus } from './receive-types.js';

/** Everything the rows of one stored object are made from. */
export interface InstanceRowsInput {
  facts: InstanceFacts;
  /** Absolute path of the file in the spool. */
  path: string;
  size: number;
  sha256: string;
  status: StoredStatus;
  reason: string | null;
  /** An older row with the same bytes (replaced or purged) that becomes current again. */
  same: InstanceRow | undefined;
  /** Current copies of the SOP Instance UID with other bytes: they become `replaced`. */
  current: InstanceRow[];
  associationId: string | null;
  callingAe: string;
  calledAe: string;
  receivedAt: number;
}

/**
 * Writes the rows of a stored object (to run inside a transaction): the instance row (new, or an
 * older copy restored), older copies marked replaced, the series' arrival and counts, and the
 * association's count. Returns the instance row's id.
 */
export function writeInstanceRows(db: Db, r: InstanceRowsInput): number {
  const { facts } = r;
  const why = `replaced by a re-send with sha256 ${r.sha256.slice(0, 16)}`;
  for (const c of r.current) setInstanceStatus(db, c.id, 'replaced', why);
  let id: number;
  if (r.same) {
    // The bytes of an older, replaced (or purged) copy came back: that row becomes current again.
    restoreInstance(db, r.same.id, r.status, r.reason);
    id = r.same.id;
  } else {
    id = insertInstance(db, {
      sopInstanceUid: facts.sopInstanceUid,
      sopClassUid: facts.sopClassUid,
      seriesUid: facts.seriesUid,
      studyUid: facts.studyUid,
      transferSyntaxUid: facts.transferSyntaxUid,
      instanceNumber: facts.instanceNumber,
      path: r.path,
      size: r.size,
      sha256: r.sha256,
      associationId: r.associationId,
      receivedAt: r.receivedAt,
      status: r.status,
      statusReason: r.reason,
    });
  }
  recordSeriesArrival(db, {
    seriesUid: facts.seriesUid,
    studyUid: facts.studyUid,
    modality: facts.modality,
    description: facts.seriesDescription,
    callingAe: r.callingAe || null,
    calledAe: r.calledAe || null,
    ownOutput: r.status === 'own_output',
    receivedAt: r.receivedAt,
    addedOne: !r.same && r.current.length === 0,
  });
  recordStudyAttributes(db, facts.studyUid, studyAttributesOf(facts.header));
  for (const s of new Set(r.current.map((c) => c.seriesUid))) if (s !== facts.seriesUid) refreshSeriesCount(db, s);
  if (r.associationId) countAssociationInstance(db, r.associationId, r.size);
  return id;
}
