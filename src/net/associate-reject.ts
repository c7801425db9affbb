/**
 * The A-ASSOCIATE-RJ parameters (PS3.8 9.3.4, Table 9-21): one place for their codes and names,
 * used wherever a reject is written (policy, listener), described (SCU errors) or labelled (metrics).
 * A reason's meaning depends on its source, so the reasons are grouped per source.
 */

/** Result field. */
export const RejectResult = { Permanent: 1, Transient: 2 } as const;
export type RejectResultCode = (typeof RejectResult)[keyof typeof RejectResult];

/** Source field. */
export const RejectSource = {
  ServiceUser: 1,
  /** Service-provider, ACSE related function. */
  ServiceProviderAcse: 2,
  /** Service-provider, presentation related function. */
  ServiceProviderPresentation: 3,
} as const;
export type RejectSourceCode = (typeof RejectSource)[keyof typeof RejectSource];

/** Reason/Diag. field when the source is the service-user. */
export const ServiceUserReason = {
  NoReasonGiven: 1,
  ApplicationContextNameNotSupported: 2,
  CallingAeTitleNotRecognized: 3,
  CalledAeTitleNotRecognized: 7,
} as const;

/** Reason/Diag. field when the source is the service-provider (ACSE). */
export const AcseReason = { NoReasonGiven: 1, ProtocolVersionNotSupported: 2 } as const;

/** Reason/Diag. field when the source is the service-provider (presentation). */
export const PresentationReason = { TemporaryCongestion: 1, LocalLimitExceeded: 2 } as const;

/** The result / source / reason fields of an A-ASSOCIATE-RJ. */
export interface AssociateRejectFields {
  result: number;
  source: number;
  reason: number;
}

const RESULT_NAMES: Record<number, string> = {
  [RejectResult.Permanent]: 'rejected-permanent',
  [RejectResult.Transient]: 'rejected-transient',
};

const SOURCE_NAMES: Record<number, string> = {
  [RejectSource.ServiceUser]: 'service-user',
  [RejectSource.ServiceProviderAcse]: 'service-provider (ACSE)',
  [RejectSource.ServiceProviderPresentation]: 'service-provider (presentation)',
};

/** Reason names as PS3.8 Table 9-21 spells them, per source. */
const REASON_NAMES: Record<number, Record<number, string>> = {
  [RejectSource.ServiceUser]: {
    [ServiceUserReason.NoReasonGiven]: 'no-reason-given',
    [ServiceUserReason.ApplicationContextNameNotSupported]: 'application-context-name-not-supported',
    [ServiceUserReason.CallingAeTitleNotRecognized]: 'calling-AE-title-not-recognized',
    [ServiceUserReason.CalledAeTitleNotRecognized]: 'called-AE-title-not-recognized',
  },
  [RejectSource.ServiceProviderAcse]: {
    [AcseReason.NoReasonGiven]: 'no-reason-given',
    [AcseReason.ProtocolVersionNotSupported]: 'protocol-version-not-supported',
  },
  [RejectSource.ServiceProviderPresentation]: {
    [PresentationReason.TemporaryCongestion]: 'temporary-congestion',
    [PresentationReason.LocalLimitExceeded]: 'local-limit-exceeded',
  },
};

/** The standard's name of the result (`rejected-permanent`), or undefined for a code it does not define. */
export function rejectResultName(result: number): string | undefined {
  return RESULT_NAMES[result];
}

/** The standard's name of the source (`service-user`), or undefined for a code it does not define. */
export function rejectSourceName(source: number): string | undefined {
  return SOURCE_NAMES[source];
}

/** The standard's name of the reason for that source (`calling-AE-title-not-recognized`), or undefined. */
export function rejectReasonName(source: number, reason: number): string | undefined {
  return REASON_NAMES[source]?.[reason];
}
