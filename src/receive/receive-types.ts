import type { Dataset } from '../dicom/part10.js';
import type { Db } from '../provenance/database.js';
import type { InstanceStatus } from '../provenance/instances.js';
import type { Logger } from '../shared/log.js';
import type { Spool } from '../spool/spool.js';

/** Statuses a newly received copy can get (`replaced` only ever happens to older copies). */
export type StoredStatus = Exclude<InstanceStatus, 'replaced'>;

/** Emitted after an instance is durably stored (never for own output or an identical re-send). */
export interface StoredInstance {
  instanceId: number;
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  studyUid: string;
  modality: string | null;
  transferSyntaxUid: string;
  /** Absolute path in the spool. */
  path: string;
  /** File size in bytes. */
  size: number;
  /** `stored` (processable) or `unprocessable` (kept, may be forwarded untouched). */
  status: StoredStatus;
  callingAe: string;
  calledAe: string;
  /** The data set without Pixel Data. */
  header: Dataset;
  receivedAt: number;
}

export interface InstanceReceiverDeps {
  db: Db;
  spool: Spool;
  log: Logger;
  /** Called after the commit for `stored` and `unprocessable` instances; errors are logged. */
  onStored?: (ev: StoredInstance) => void;
  /** Transfer syntaxes the render stage can decode; others are stored as `unprocessable`. */
  decodableTransferSyntaxes: readonly string[];
  /** Larger objects are quarantined (PACS_E_TOO_LARGE). */
  maxInstanceBytes?: number;
  /** Whether a data set names this node as its equipment (loop protection beside the registry). */
  isOwnOutput?: (ds: Dataset) => boolean;
  /** Refuse with 0xA700 when the spool's file system would have less free space than this. */
  minFreeBytes?: number;
  /** limits.maxQueueDepth reached: refuse with 0xA700 (PACS_E_QUEUE_FULL). */
  isQueueFull?: () => boolean;
  now?: () => number;
}

/** One object to take in, from a C-STORE or from a file the DCMTK transport left behind. */
export interface IngestInput {
  bytes: Uint8Array;
  /** Calling AE; defaults to the file meta's Source Application Entity Title. */
  callingAe?: string;
  calledAe?: string;
  associationId?: string | null;
  /** Affected SOP Instance / Class UID of the C-STORE. */
  sopInstanceUid?: string;
  sopClassUid?: string;
  /** Full size when the transport kept only the head of an oversize object (`bytes` is that head). */
  receivedBytes?: number;
}

/** What happened to an object: its stored status, an identical re-send, quarantine or a refusal. */
export type IngestOutcome = StoredStatus | 'duplicate' | 'quarantined' | 'refused';

export interface IngestResult {
  /** DIMSE status to answer with. */
  status: number;
  outcome: IngestOutcome;
  instanceId?: number;
  /** Absolute path of the spooled or quarantined file. */
  path?: string;
  /** Row id of an older copy this one replaced. */
  replacedInstanceIds?: number[];
  quarantineId?: number;
  reasonCode?: string;
}
