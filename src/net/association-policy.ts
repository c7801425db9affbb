/**
 * What the dcmjs-dimse listener accepts, as pure functions over the A-ASSOCIATE-RQ facts and the
 * listener's settings: whether to accept the association at all, which transfer syntax each
 * proposed presentation context gets, and the max PDU length to announce.
 */
import { isStorageSopClass } from '../dicom/storage-sop-classes.js';
import { errorMessage } from '../shared/errors.js';
import { PresentationReason, RejectResult, RejectSource, ServiceUserReason } from './associate-reject.js';
import type { AssociationDecision, AssociationPolicy, AssociationRequest } from './types.js';

/** The Verification SOP Class (PS3.4 A.4). */
export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

/** Verification accepts the uncompressed syntaxes every SCU supports (PS3.4 A.4). */
const ECHO_SYNTAXES = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'];

export interface AdmissionFacts {
  /** Associations open on this listener now. */
  openAssociations: number;
  /** The listener's own limit (config maxAssociations); checked before the policy. */
  maxAssociations?: number;
}

/**
 * Accept or reject one association: the listener's own association limit first (a transient
 * reject, PS3.8 Table 9-21 local-limit-exceeded), then the node's policy. A policy that throws
 * rejects transiently (service-user, no reason given) rather than dropping the connection.
 */
export function decideAssociation(req: AssociationRequest, policy: AssociationPolicy, facts: AdmissionFacts): AssociationDecision {
  const { maxAssociations, openAssociations } = facts;
  if (maxAssociations !== undefined && openAssociations >= maxAssociations) {
    return {
      accept: false,
      result: RejectResult.Transient,
      source: RejectSource.ServiceProviderPresentation,
      reason: PresentationReason.LocalLimitExceeded,
      why: `max associations (${maxAssociations}) reached`,
    };
  }
  try {
    return policy.evaluate(req);
  } catch (err) {
    return {
      accept: false,
      result: RejectResult.Transient,
      source: RejectSource.ServiceUser,
      reason: ServiceUserReason.NoReasonGiven,
      why: `policy failed: ${errorMessage(err)}`,
    };
  }
}

/** The answer to one proposed presentation context (PS3.8 9.3.3.2). */
export type ContextAnswer =
  | { accept: true; transferSyntax: string }
  | {
      accept: false;
      reason: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported';
      /** Set when the refusal is worth a log line (a storage object we will not receive). */
      why?: string;
    };

/**
 * Verification with an uncompressed syntax, and any Storage SOP class with the first proposed
 * transfer syntax the listener accepts (the proposer's order, PS3.8 9.3.2.2); nothing else.
 */
export function answerPresentationContext(abstractSyntax: string, proposed: readonly string[], accepted: ReadonlySet<string>): ContextAnswer {
  if (abstractSyntax === VERIFICATION_SOP_CLASS) {
    const ts = proposed.find((t) => ECHO_SYNTAXES.includes(t));
    return ts ? { accept: true, transferSyntax: ts } : { accept: false, reason: 'transfer-syntaxes-not-supported' };
  }
  if (!isStorageSopClass(abstractSyntax)) {
    return { accept: false, reason: 'abstract-syntax-not-supported', why: 'abstract syntax not supported' };
  }
  const ts = proposed.find((t) => accepted.has(t));
  if (ts) return { accept: true, transferSyntax: ts };
  return { accept: false, reason: 'transfer-syntaxes-not-supported', why: 'no proposed transfer syntax is accepted' };
}

/** Max PDU length to announce: the peer's when smaller than ours; ours when the peer sets none (0). */
export function negotiatedMaxPdu(peerMax: number, ours: number): number {
  return peerMax > 0 ? Math.min(peerMax, ours) : ours;
}
