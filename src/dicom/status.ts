/**
 * DIMSE status codes used by the node, in one table (PS3.7 Annex C; PS3.4 Annex B.2.3 for
 * the Storage Service Class).
 */
export const DimseStatus = {
  Success: 0x0000,
  /** B.2.3: Coercion of data elements. */
  WarningCoercion: 0xb000,
  /** B.2.3: Elements discarded. */
  WarningElementsDiscarded: 0xb006,
  /** B.2.3: Data set does not match SOP class (warning form). */
  WarningDataSetMismatch: 0xb007,
  /** Refused: out of resources (disk, queue). Transient. */
  OutOfResources: 0xa700,
  /** Error: data set does not match SOP class. */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** Error: cannot understand (0xC000–0xCFFF family). */
  CannotUnderstand: 0xc000,
  /** Refused: SOP class not supported. */
  SopClassNotSupported: 0x0122,
  /** Failure: processing failure (PS3.7 C.4.2). */
  ProcessingFailure: 0x0110,
  /** Failure: duplicate SOP instance. */
  DuplicateSopInstance: 0x0111,
  /** Refused: not authorized. */
  NotAuthorized: 0x0124,
} as const;

export type DimseStatusCategory = 'success' | 'warning' | 'failure';

export function statusCategory(status: number): DimseStatusCategory {
  if (status === 0) return 'success';
  if (status === 0x0001 || (status >= 0xb000 && status <= 0xbfff) || status === 0x0107 || status === 0x0116) {
    return 'warning';
  }
  return 'failure';
}

/**
 * Whether a failed C-STORE may succeed when retried later: "Refused: Out of Resources" (0xA7xx) and
 * processing failures are transient; data-set mismatches, "cannot understand", unsupported SOP
 * classes and authorization refusals are permanent.
 */
export function isTransientFailure(status: number): boolean {
  return (status & 0xff00) === 0xa700 || status === DimseStatus.ProcessingFailure;
}

export function formatStatus(status: number): string {
  return `0x${status.toString(16).padStart(4, '0').toUpperCase()}`;
}
