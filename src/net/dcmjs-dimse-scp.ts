import type { Logger } from '../shared/log.js';
import { DcmjsAssociation, type ListenerContext } from './dcmjs-association.js';
import { allowMaxPduLength } from './dcmjs-dimse-internals.js';
import { quietDcmjsDimse } from './dcmjs-dimse-log.js';
import { DicomServer } from './dicom-server.js';
import { PduGuard } from './pdu-guard.js';
import type { AssociationEvents, AssociationPolicy, ListenerOptions, ScpTransport, StoreHandler } from './types.js';

export interface DcmjsScpDeps {
  policy: AssociationPolicy;
  handler: StoreHandler;
  events?: AssociationEvents;
  log: Logger;
  /** An association with no PDU for this long is aborted (default 60 s; config idleTimeoutSeconds). */
  idleTimeoutMs?: number;
  /** Time from connect to A-ASSOCIATE-RQ (ARTIM, PS3.8 9.1.5); default min(30 s, idle timeout). */
  associationTimeoutMs?: number;
  /**
   * Data sets larger than this are not kept in memory: the bytes past the first MiB are counted and
   * dropped, and the handler gets the head with `receivedBytes` (config limits.maxInstanceMb).
   */
  maxDatasetBytes?: number;
  /** Open sockets (associated or not) beyond this are closed at once; default maxAssociations + 16. */
  maxConnections?: number;
  /** The listening server failed or closed while running (not by stop()). */
  onListenerError?: (err: Error) => void;
}

/** Default max PDU we announce when the listener sets none (dcmjs-dimse's own default). */
const DEFAULT_MAX_PDU = 262_144;

/**
 * C-ECHO / C-STORE SCP on dcmjs-dimse for one listener. Our own net/tls server (dicom-server.ts)
 * hands each socket to a DcmjsAssociation (a dcmjs-dimse `Scp` behind a PduGuard), so we control
 * the bind address, port 0, TLS and the connection count. What is accepted is decided in
 * association-policy.ts, a C-STORE is answered by store-request.ts, and dcmjs-dimse-internals.ts
 * is the only code that reaches into the library.
 * Max PDU: announced per association as min(peer's, listener's).
 * Timeouts: no A-ASSOCIATE-RQ within the association timeout, or no complete PDU within the idle
 * timeout, aborts the association; a peer that does not close after that is cut off 2 s later.
 */
export function createDcmjsScp(listener: ListenerOptions, deps: DcmjsScpDeps): ScpTransport {
  quietDcmjsDimse();
  const log = deps.log.child({ listener: listener.name, transport: 'dcmjs-dimse' });
  const maxPdu = listener.maxPduLength ?? DEFAULT_MAX_PDU;
  const idleTimeoutMs = deps.idleTimeoutMs ?? 60_000;
  allowMaxPduLength(maxPdu);
  const ctx: ListenerContext = {
    listener,
    policy: deps.policy,
    handler: deps.handler,
    events: deps.events,
    log,
    maxPdu,
    acceptedTransferSyntaxes: new Set(listener.acceptedTransferSyntaxes),
    idleTimeoutMs,
    associationTimeoutMs: deps.associationTimeoutMs ?? Math.min(30_000, idleTimeoutMs),
    maxDatasetBytes: deps.maxDatasetBytes ?? Number.MAX_SAFE_INTEGER,
    open: new Set(),
  };
  const server = new DicomServer(listener, log, (socket) => new DcmjsAssociation(socket, new PduGuard({ maxPDataBytes: maxPdu }), ctx), {
    maxConnections: deps.maxConnections ?? (listener.maxAssociations ?? 64) + 16,
    onListenerError: deps.onListenerError,
  });
  return {
    kind: 'dcmjs-dimse',
    start: () => server.start(),
    stop: () => server.stop(),
    port: () => server.port(),
  };
}
