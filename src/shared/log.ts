import { destination, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Patient identifiers never reach the log unless a site turns `logPatientIdentifiers` on.
 * Lines carry jobId, stage and UIDs instead.
 */
const PATIENT_FIELDS = ['PatientName', 'PatientID', 'PatientBirthDate', 'patientName', 'patientId'];

export interface LogSettings {
  level?: string;
  logPatientIdentifiers?: boolean;
  /** Write to this destination (file descriptor or path) instead of stdout. */
  destination?: string | number;
}

export function createLogger(settings: LogSettings = {}): Logger {
  const redactPaths = settings.logPatientIdentifiers
    ? []
    : [...PATIENT_FIELDS, ...PATIENT_FIELDS.map((f) => `*.${f}`)];
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: { paths: [...redactPaths, 'token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
  };
  if (settings.destination !== undefined) {
    return pino(options, destination({ dest: settings.destination, sync: false }));
  }
  return pino(options);
}

/** A logger that writes nothing: the default for pure modules and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
