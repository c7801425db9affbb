/**
 * The DICOM audit vocabulary (PS3.15 A.5.3, coding scheme DCM) the node's audit trail uses, so
 * every stored event can be sent as a DICOM audit message without translation.
 */
export const AUDIT_EVENT_IDS = {
  '110100': 'Application Activity',
  '110101': 'Audit Log Used',
  '110103': 'DICOM Instances Accessed',
  '110104': 'DICOM Instances Transferred',
  '110112': 'Query',
  '110113': 'Security Alert',
  '110114': 'User Authentication',
} as const;

export type AuditEventId = keyof typeof AUDIT_EVENT_IDS;

/** EventTypeCode values (PS3.16 CID 403 and 404) the node records. */
export const AUDIT_EVENT_TYPES = {
  '110120': 'Application Start',
  '110121': 'Application Stop',
  '110122': 'Login',
  '110123': 'Logout',
  '110126': 'Node Authentication',
  '110127': 'Emergency Override Started',
  '110129': 'Security Configuration',
  '110131': 'Software Configuration',
  '110132': 'Use of Restricted Function',
  '110136': 'Security Roles Changed',
  '110137': 'User security Attributes Changed',
} as const;

export type AuditEventType = keyof typeof AUDIT_EVENT_TYPES;

/** EventActionCode: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** EventOutcomeIndicator: success, minor failure, serious failure, major failure. */
export type AuditOutcome = 0 | 4 | 8 | 12;

/** The outcome an HTTP status stands for. */
export function outcomeOfHttpStatus(status: number): AuditOutcome {
  return status < 400 ? 0 : status < 500 ? 4 : 8;
}
