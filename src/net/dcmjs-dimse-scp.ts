import net from 'node:net';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import type { Logger } from '../shared/log.js';
import { DcmjsAssociation, type ListenerContext } from './dcmjs-association.js';
import { allowMaxPduLength } from './dcmjs-dimse-internals.js';
import { quietDcmjsDimse } from './dcmjs-dimse-log.js';
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
 * C-ECHO / C-STORE SCP on dcmjs-dimse for one listener. Our own net/tls server hands each socket to
 * a DcmjsAssociation (a dcmjs-dimse `Scp` behind a PduGuard), so we control the bind address,
 * port 0, TLS and the connection count. What is accepted is decided in association-policy.ts, a
 * C-STORE is answered by store-request.ts, and dcmjs-dimse-internals.ts is the only code that
 * reaches into the library.
 * Max PDU: announced per association as min(peer's, listener's).
 * Timeouts: no A-ASSOCIATE-RQ within the association timeout, or no complete PDU within the idle
 * timeout, aborts the association; a peer that does not close after that is cut off 2 s later.
 */
export function createDcmjsScp(listener: ListenerOptions, deps: DcmjsScpDeps): ScpTransport {
  quietDcmjsDimse();
  const log = deps.log.child({ listener: listener.name, transport: 'dcmjs-dimse' });
  const maxPdu = listener.maxPduLength ?? DEFAULT_MAX_PDU;
  const idleTimeoutMs = deps.idleTimeoutMs ?? 60_000;
  const maxConnections = deps.maxConnections ?? (listener.maxAssociations ?? 64) + 16;
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
  const sockets = new Set<Socket>();
  let server: net.Server | undefined;
  let boundPort = 0;

  const onSocket = (socket: Socket): void => {
    // A socket error before the Scp has wrapped the socket must not crash the process.
    socket.on('error', () => undefined);
    if (sockets.size >= maxConnections) {
      log.warn({ host: socket.remoteAddress, open: sockets.size }, 'too many open connections: closing a new one at once');
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // Small C-STORE-RSP PDUs must not wait for Nagle + delayed ACK (~40 ms per instance).
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    new DcmjsAssociation(socket, new PduGuard({ maxPDataBytes: maxPdu }), ctx);
  };

  return {
    kind: 'dcmjs-dimse',
    async start() {
      if (server) return;
      const t = listener.tls;
      const s = t
        ? tls.createServer(
            { cert: t.cert, key: t.key, ca: t.ca, requestCert: t.requestClientCert ?? false, rejectUnauthorized: t.requestClientCert ?? false },
            onSocket,
          )
        : net.createServer(onSocket);
      s.on('tlsClientError', (err: Error) => log.warn({ err: err.message }, 'TLS handshake failed'));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(listener.port, listener.host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      s.on('error', (err) => {
        log.error({ err: err.message }, 'listener error');
        deps.onListenerError?.(err);
      });
      s.on('close', () => {
        if (server === s) deps.onListenerError?.(new Error('the listening socket closed'));
      });
      const address = s.address();
      boundPort = typeof address === 'object' && address ? address.port : listener.port;
      server = s;
      log.info({ host: listener.host, port: boundPort, aeTitle: listener.aeTitle, tls: !!t }, 'DICOM listener started');
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      const closing = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closing;
      log.info('DICOM listener stopped');
    },
    port() {
      return boundPort;
    },
  };
}
