import { errorMessage } from '../shared/errors.js';
import type { DestinationCommon } from './destination.js';
import type { DestinationServices } from './destination-kind.js';
import { destinationKindOf } from './destination-kinds.js';

/** The answer of a destination test (`echo`, POST /api/destinations/:name/echo). */
export interface EchoResult {
  ok: boolean;
  /** C-ECHO response status (DIMSE destinations). */
  status?: number;
  /** HTTP status of the probe (DICOMweb destinations). */
  httpStatus?: number;
  error?: string;
  ms: number;
}

/**
 * Tests a destination as its kind does: C-ECHO for a DIMSE peer (through the given SCU), a
 * QIDO-RS study search for a DICOMweb server, a create-and-write check for a folder. Never
 * throws; the result says what failed.
 */
export async function echoDestination(dest: DestinationCommon, services: DestinationServices): Promise<EchoResult> {
  try {
    return await destinationKindOf(dest.kind).echo(dest, services);
  } catch (err) {
    return { ok: false, error: errorMessage(err), ms: 0 };
  }
}
