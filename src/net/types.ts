/**
 * The DICOM network layer's contract. Adapters (dcmjs-dimse, dicom-dimse-native) implement
 * ScpTransport / ScuTransport; the rest of the node talks to them only through these types.
 * The network layer knows nothing about the spool, the database, rules or jobs.
 */
import type { RejectResultCode, RejectSourceCode } from './associate-reject.js';

/** A peer's request for an association, as seen before it is accepted. */
export interface AssociationRequest {
  /** Unique id of this association attempt (uuid). */
  id: string;
  callingAeTitle: string;
  calledAeTitle: string;
  remoteAddress: string;
  remotePort: number;
  tls: boolean;
  /** Name of the listener (from config) that received it. */
  listener: string;
  /** Presentation contexts proposed: abstract syntax (SOP class) and transfer syntaxes. */
  proposedContexts: Array<{ abstractSyntax: string; transferSyntaxes: string[] }>;
}

/**
 * The A-ASSOCIATE-RJ to send (PS3.8 9.3.4): codes from associate-reject.ts (RejectResult,
 * RejectSource, and the reason constants of that source).
 */
export interface AssociationReject {
  result: RejectResultCode;
  source: RejectSourceCode;
  reason: number;
  /** Human-readable reason for the log and the association table. */
  why: string;
}

export type AssociationDecision = { accept: true } | ({ accept: false } & AssociationReject);

/** Decides accept/reject for each association (allow-lists, limits, disk pressure). */
export interface AssociationPolicy {
  evaluate(req: AssociationRequest): AssociationDecision;
}

/** One received C-STORE, handed to the StoreHandler as complete Part-10 bytes. */
export interface StoreRequest {
  association: AssociationRequest;
  /** Affected SOP Class / Instance UID from the C-STORE command. */
  sopClassUid: string;
  sopInstanceUid: string;
  /** Transfer syntax the data set arrived in. */
  transferSyntaxUid: string;
  /** The object as a DICOM Part-10 file (preamble, meta header, data set). */
  bytes: Buffer;
  /**
   * Set when the data set was larger than the transport keeps in memory: its full size, with
   * `bytes` holding only its head (for the quarantine record).
   */
  receivedBytes?: number;
}

/**
 * Implemented by receive/: persists the object durably and returns the DIMSE status to answer with.
 * The transport answers the C-STORE only after this promise resolves. A throwing handler makes the
 * transport answer 0x0110 (processing failure) and keep the association up.
 */
export interface StoreHandler {
  onStore(req: StoreRequest): Promise<number>;
  /**
   * True when neither the handler nor anything it started (a write in flight) reads a request's
   * `bytes` once onStore has settled: the transport may then reuse their memory for the next one.
   */
  readonly doneWithBytesOnAnswer?: boolean;
}

/** Lifecycle notifications for the association log and metrics. */
export interface AssociationEvents {
  onAssociationAccepted?(req: AssociationRequest): void;
  onAssociationRejected?(req: AssociationRequest, reject: AssociationReject): void;
  onAssociationClosed?(req: AssociationRequest, outcome: 'released' | 'aborted' | 'error', error?: Error): void;
}

export interface TlsOptions {
  /** PEM strings (not paths: config/ resolves paths). */
  cert: string;
  key: string;
  ca?: string;
  requestClientCert?: boolean;
}

export interface ListenerOptions {
  name: string;
  aeTitle: string;
  host: string;
  port: number;
  maxPduLength?: number;
  maxAssociations?: number;
  tls?: TlsOptions;
  /** Transfer syntaxes we accept, in order of preference. */
  acceptedTransferSyntaxes: string[];
}

export interface ScpTransport {
  readonly kind: 'dcmjs-dimse' | 'dicom-dimse-native';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port actually bound (useful when 0 was configured). */
  port(): number;
}

export interface RemoteNode {
  aeTitle: string;
  host: string;
  port: number;
  tls?: TlsOptions;
  /** Our calling AE title towards this peer. */
  callingAeTitle: string;
  timeoutMs?: number;
  /**
   * Transfer syntaxes to propose, most preferred first, each in its own presentation context
   * besides the one for the object's own syntax (e.g. RLE, then Explicit, then Implicit VR LE).
   */
  proposedTransferSyntaxes?: readonly string[];
}

export interface StoreItem {
  /** Path of a Part-10 file. */
  path: string;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /**
   * Send the data set exactly as stored, in its own transfer syntax only (a forwarded original):
   * no other syntax is proposed for it and nothing is transcoded; a peer that does not accept that
   * syntax gets nothing, and the outcome says so (permanent).
   */
  asStored?: boolean;
}

export interface StoreOutcome {
  sopInstanceUid: string;
  /** DIMSE status of the C-STORE response; undefined when no response came (network failure). */
  status?: number;
  error?: string;
}

export interface ScuTransport {
  readonly kind: 'dcmjs-dimse' | 'dicom-dimse-native';
  echo(peer: RemoteNode): Promise<{ ok: boolean; status?: number; error?: string; ms: number }>;
  /**
   * Sends the items, one association per transfer syntax. Resolves with one outcome per item;
   * rejects with TransientTransportError / PermanentTransportError when no association could be
   * made at all (refused, unreachable).
   */
  store(peer: RemoteNode, items: StoreItem[], onResponse?: (outcome: StoreOutcome) => void): Promise<StoreOutcome[]>;
  /**
   * Asks the peer (C-FIND, Study Root, IMAGE level) which of these instances it holds; resolves
   * with their SOP Instance UIDs. Rejects when the peer cannot be asked (no association, C-FIND
   * not accepted, a failure status). Absent where the adapter has no C-FIND.
   */
  holds?(peer: RemoteNode, instances: InstanceKeys[]): Promise<Set<string>>;
}

/** The keys of one instance in the Study Root hierarchy. */
export interface InstanceKeys {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}
