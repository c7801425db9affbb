import { statusCategory } from '../dicom/status.js';

/**
 * The Store Instances Response Module (PS3.18 Annex I) in the DICOM JSON model (PS3.18 F.2), and
 * the HTTP status of a STOW-RS response (PS3.18 Table 10.5.3-1). Pure: no I/O.
 */

/** What became of one part of a STOW-RS request. */
export type PartOutcome =
  | {
      kind: 'stored';
      sopClassUid: string;
      sopInstanceUid: string;
      /** Warning Reason (0008,1196) where the object was stored with a warning status (0xBxxx). */
      warning?: number;
    }
  | {
      kind: 'failed';
      /** Unknown when the part could not be read as DICOM. */
      sopClassUid?: string;
      sopInstanceUid?: string;
      /** Failure Reason (0008,1197), PS3.18 Table I.2-2 (the Storage Service statuses of PS3.4 B.2.3). */
      reason: number;
      /** For the log; never sent. */
      why: string;
    };

/** One attribute of the DICOM JSON model; an empty (Type 2) attribute has no Value. */
export interface JsonAttribute {
  vr: string;
  Value?: unknown[];
}
export type JsonDataset = Record<string, JsonAttribute>;

const RETRIEVE_URL = '00081190';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_SEQUENCE = '00081199';
const REFERENCED_SOP_CLASS_UID = '00081150';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const WARNING_REASON = '00081196';
const FAILURE_REASON = '00081197';

const uid = (value: string | undefined): JsonAttribute => (value ? { vr: 'UI', Value: [value] } : { vr: 'UI' });
const us = (value: number): JsonAttribute => ({ vr: 'US', Value: [value] });

/** SOP Instance Reference Macro (PS3.3 Table 10-11). */
function reference(o: { sopClassUid?: string; sopInstanceUid?: string }): JsonDataset {
  return { [REFERENCED_SOP_CLASS_UID]: uid(o.sopClassUid), [REFERENCED_SOP_INSTANCE_UID]: uid(o.sopInstanceUid) };
}

/**
 * The response body. Retrieve URL (Type 2) is sent empty: the node does not offer the Studies
 * Retrieve transaction (WADO-RS), so there is no URL to give. The sequences are present only when
 * they have items (Type 1C).
 */
export function storeInstancesResponse(outcomes: readonly PartOutcome[]): JsonDataset {
  const body: JsonDataset = { [RETRIEVE_URL]: { vr: 'UR' } };
  const failed = outcomes.filter((o) => o.kind === 'failed');
  const stored = outcomes.filter((o) => o.kind === 'stored');
  if (failed.length > 0) {
    body[FAILED_SOP_SEQUENCE] = { vr: 'SQ', Value: failed.map((f) => ({ ...reference(f), [FAILURE_REASON]: us(f.reason) })) };
  }
  if (stored.length > 0) {
    body[REFERENCED_SOP_SEQUENCE] = {
      vr: 'SQ',
      Value: stored.map((s) => ({
        ...reference(s),
        [RETRIEVE_URL]: { vr: 'UR' },
        ...(s.warning !== undefined ? { [WARNING_REASON]: us(s.warning) } : {}),
      })),
    };
  }
  return body;
}

/**
 * PS3.18 Table 10.5.3-1: 200 when every instance was stored without a warning, 202 when some were
 * stored and others failed or carry a warning, 409 when none was stored, 400 when the request held
 * no instance at all.
 */
export function stowHttpStatus(outcomes: readonly PartOutcome[]): 200 | 202 | 400 | 409 {
  if (outcomes.length === 0) return 400;
  const stored = outcomes.filter((o) => o.kind === 'stored');
  if (stored.length === 0) return 409;
  if (stored.length < outcomes.length || stored.some((s) => s.warning !== undefined)) return 202;
  return 200;
}

/** A receive status (PS3.4 B.2.3) as a part outcome: success and warnings are stored, anything else failed. */
export function outcomeOfStatus(status: number, ids: { sopClassUid: string; sopInstanceUid: string }, why: string): PartOutcome {
  const category = statusCategory(status);
  if (category === 'failure') return { kind: 'failed', ...ids, reason: status, why };
  return { kind: 'stored', ...ids, ...(category === 'warning' ? { warning: status } : {}) };
}
