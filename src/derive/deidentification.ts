import type { Dataset } from '../dicom/part10.js';
import { stringValue } from './source-modules.js';

/**
 * De-identification Method (0012,0063) written when a source says Patient Identity Removed = YES
 * but names no method at all. Clinical assumption, flagged: the node did not de-identify anything
 * and does not know how the source was; the text says only what the source claimed (LO, ≤ 64).
 */
export const UNSTATED_DEIDENTIFICATION_METHOD = 'identity removed per source; method not stated by source';

/**
 * The copied Patient Module attributes with the Type 1C pair of PS3.3 C.7.1.1 satisfied: when
 * Patient Identity Removed (0012,0062) is YES, De-identification Method (0012,0063) is required
 * unless De-identification Method Code Sequence (0012,0064) is present, and the sequence unless
 * the method is. The source's method or code sequence is kept as copied; with neither, a method
 * text saying the source did not state one is added (an empty value would still fail Type 1).
 */
export function withDeidentificationMethod(attributes: Dataset): Dataset {
  if (stringValue(attributes.PatientIdentityRemoved)?.toUpperCase() !== 'YES') return attributes;
  const codes = attributes.DeidentificationMethodCodeSequence;
  if (Array.isArray(codes) && codes.length > 0) return attributes;
  if (stringValue(attributes.DeidentificationMethod) !== undefined) return attributes;
  const out: Dataset = { ...attributes, DeidentificationMethod: UNSTATED_DEIDENTIFICATION_METHOD };
  // An empty sequence item list counts as absent for the condition above; leave none behind.
  delete out.DeidentificationMethodCodeSequence;
  return out;
}
