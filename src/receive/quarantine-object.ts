import { formatStatus } from '../dicom/status.js';
import { countAssociationFailure } from '../provenance/associations.js';
import { insertQuarantine } from '../provenance/quarantine.js';
import { errorMessage } from '../shared/errors.js';
import type { DurableTempFile } from '../spool/spool.js';
import type { InspectionFailure } from './instance-inspection.js';
import type { IngestInput, IngestResult, InstanceReceiverDeps } from './receive-types.js';

/**
 * Moves a refused object into the spool's quarantine, records the reason code, message and the
 * DIMSE status answered, counts the failure against the association and logs it. The status to
 * answer is returned even when the row cannot be written (the file then stays in quarantine).
 */
export async function quarantineObject(
  deps: Pick<InstanceReceiverDeps, 'db' | 'spool' | 'log'>,
  temp: DurableTempFile,
  input: IngestInput,
  receivedAt: number,
  failure: InspectionFailure,
): Promise<IngestResult> {
  const { db, spool, log } = deps;
  const path = await spool.quarantine(temp.tempPath, { at: new Date(receivedAt) });
  const sopInstanceUid = failure.sopInstanceUid ?? input.sopInstanceUid ?? null;
  let quarantineId: number | undefined;
  try {
    quarantineId = db.transaction(() => {
      const id = insertQuarantine(db, {
        associationId: input.associationId ?? null,
        callingAe: input.callingAe ?? null,
        sopInstanceUid,
        path,
        size: temp.size,
        reasonCode: failure.code,
        reason: failure.message,
        dimseStatus: failure.dimseStatus,
        receivedAt,
      });
      if (input.associationId) countAssociationFailure(db, input.associationId, temp.size);
      return id;
    })();
  } catch (err) {
    log.error({ err: errorMessage(err), path }, 'cannot record a quarantined object; the file stays in quarantine');
  }
  log.warn(
    {
      reasonCode: failure.code,
      reason: failure.message,
      dimseStatus: formatStatus(failure.dimseStatus),
      sopInstanceUid,
      callingAe: input.callingAe,
      associationId: input.associationId,
      quarantineId,
      path,
    },
    'object quarantined',
  );
  return { status: failure.dimseStatus, outcome: 'quarantined', path, quarantineId, reasonCode: failure.code };
}
