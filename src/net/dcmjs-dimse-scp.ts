import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { Logger } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';
import { DimseStatus, formatStatus } from '../dicom/status.js';
import { quietDcmjsDimse } from './dcmjs-dimse-log.js';
import { wrapPart10 } from './part10-envelope.js';
import { isStorageSopClass } from '../dicom/storage-sop-classes.js';
import { abortPdu, PduGuard, type PduAbort } from './pdu-guard.js';
import type {
  AssociationEvents,
  AssociationPolicy,
  AssociationReject,
  AssociationRequest,
  ListenerOptions,
  ScpTransport,
  StoreHandler,
} from './types.js';

const { Scp, Dataset, Implementation } = dimse;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, Status, SopClass } = dimse.constants;
type DimseAssociation = InstanceType<typeof dimse.association.Association>;
type DimseContext = InstanceType<typeof dimse.association.PresentationContext>;
type DimseDataset = InstanceType<typeof dimse.Dataset>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;

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

/** Verification accepts the uncompressed syntaxes every SCU supports (PS3.4 A.4). */
const ECHO_SYNTAXES = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'];

/** Bytes of an oversize data set kept for the quarantine record (enough for the header). */
const OVERSIZE_HEAD_BYTES = 1 << 20;

/**
 * Collects a C-STORE data set's PDV bytes as they arrive, without parsing them. Past `limit` bytes
 * it keeps only the head and counts the rest, so a peer cannot make the node hold more than the
 * configured maximum instance size in memory.
 */
class PdvCollector extends Writable {
  readonly chunks: Buffer[] = [];
  total = 0;
  private kept = 0;
  constructor(private readonly limit: number) {
    // A high-water mark above any PDV so write() never asks dcmjs-dimse to wait for 'drain'.
    super({ highWaterMark: 1 << 30 });
  }
  get oversize(): boolean {
    return this.total > this.limit;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.total += chunk.length;
    const room = this.oversize ? OVERSIZE_HEAD_BYTES - this.kept : Infinity;
    if (room > 0) {
      const part = room >= chunk.length ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.oversize && this.kept > OVERSIZE_HEAD_BYTES) {
      // Crossing the limit: drop what lies past the head.
      let keep = OVERSIZE_HEAD_BYTES;
      const head: Buffer[] = [];
      for (const c of this.chunks) {
        if (keep <= 0) break;
        head.push(c.length <= keep ? c : c.subarray(0, keep));
        keep -= c.length;
      }
      this.chunks.length = 0;
      this.chunks.push(...head);
      this.kept = OVERSIZE_HEAD_BYTES;
    }
    cb();
  }
}

/** Raw data set bytes per (empty) dcmjs-dimse Dataset handed through the library to cStoreRequest. */
const rawBytes = new WeakMap<object, PdvCollector>();

/** The dcmjs-dimse Network fields the adapter reads; they exist at run time but not in index.d.ts. */
interface NetworkInternals {
  socket: Socket;
  association?: DimseAssociation;
  connected: boolean;
  connectedTime?: number;
}

/**
 * C-ECHO / C-STORE SCP on dcmjs-dimse for one listener. Our own net/tls server hands each socket to a
 * dcmjs-dimse `Scp`, so we control the bind address, port 0, TLS and the association count.
 * Every association goes through the policy first; a reject is sent as A-ASSOCIATE-RJ with the
 * policy's result/source/reason and logged with its reason. Each C-STORE data set is collected as
 * raw PDV bytes, wrapped into a Part-10 file with the negotiated transfer syntax (no re-encoding),
 * and answered only after `handler.onStore` resolves, with its status; a throwing handler gives
 * 0x0110 and the association stays up.
 *
 * Upper-layer state machine: dcmjs-dimse has none and no limit on the PDUs it receives, so a
 * PduGuard in front of it judges each PDU header by the acceptor's state (PS3.8 Table 9-10): a PDU
 * the state does not allow, an unknown PDU type, a P-DATA-TF above the listener's maximum or an
 * absurd declared length gets the A-ABORT the standard names, before anything is buffered.
 * Max PDU: announced per association as min(peer's, listener's).
 * Timeouts: no A-ASSOCIATE-RQ within the association timeout, or no complete PDU within the idle
 * timeout, aborts the association; a peer that does not close after that is cut off 2 s later.
 */
export function createDcmjsScp(listener: ListenerOptions, deps: DcmjsScpDeps): ScpTransport {
  quietDcmjsDimse();
  const log = deps.log.child({ listener: listener.name, transport: 'dcmjs-dimse' });
  const maxPdu = listener.maxPduLength ?? DEFAULT_MAX_PDU;
  const idleTimeoutMs = deps.idleTimeoutMs ?? 60_000;
  const associationTimeoutMs = deps.associationTimeoutMs ?? Math.min(30_000, idleTimeoutMs);
  const maxDatasetBytes = deps.maxDatasetBytes ?? Number.MAX_SAFE_INTEGER;
  const maxConnections = deps.maxConnections ?? (listener.maxAssociations ?? 64) + 16;
  // dcmjs-dimse caps every association at a process-wide maximum: raise it to ours if needed.
  if (Implementation.getMaxPduLength() < maxPdu) Implementation.setMaxPduLength(maxPdu);
  const accepted = new Set(listener.acceptedTransferSyntaxes);
  const open = new Set<ListenerScp>();
  const sockets = new Set<Socket>();
  let server: net.Server | undefined;
  let boundPort = 0;

  class ListenerScp extends Scp {
    private request?: AssociationRequest;
    private outcome?: 'released' | 'aborted' | 'error';
    private error?: Error;
    private closed = false;
    /** True while a PDU is being handed to the library: an error then means it could not be read. */
    private delivering = false;
    private aborting = false;

    constructor(socket: Socket, private readonly guard: PduGuard) {
      super(socket, { associationTimeout: associationTimeoutMs, pduTimeout: idleTimeoutMs });
      const self = this as unknown as NetworkInternals;
      self.connected = true;
      self.connectedTime = Date.now();
      // dcmjs-dimse reads the socket with its own 'data' listener and acts on every PDU in any
      // state: take that listener over and hand it only what the state machine lets through, one
      // PDU at a time (the library answers each synchronously, so the next is judged in the new state).
      const library = socket.listeners('data') as Array<(chunk: Buffer) => void>;
      socket.removeAllListeners('data');
      socket.on('data', (chunk: Buffer) => {
        const abort = guard.feed(chunk, (pdu) => {
          this.delivering = true;
          try {
            for (const listener of library) listener.call(socket, pdu);
          } finally {
            this.delivering = false;
          }
        });
        if (abort) this.protocolViolation(abort);
      });
      this.on('networkError', (err: Error) => {
        this.outcome ??= 'error';
        this.error ??= err;
        // A PDU the library cannot read is an invalid PDU (Evt19): answered by the state machine.
        const abort = this.delivering ? guard.unreadable(err.message) : undefined;
        if (abort) this.protocolViolation(abort);
        else closeSocket(socket);
      });
      this.on('close', () => this.onClosed());
    }

    private internals(): NetworkInternals {
      return this as unknown as NetworkInternals;
    }

    override associationRequested(association: DimseAssociation): void {
      const socket = this.internals().socket;
      const req: AssociationRequest = {
        id: randomUUID(),
        callingAeTitle: association.getCallingAeTitle().trim(),
        calledAeTitle: association.getCalledAeTitle().trim(),
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        tls: listener.tls !== undefined,
        listener: listener.name,
        proposedContexts: association.getPresentationContexts().map(({ context }) => ({
          abstractSyntax: context.getAbstractSyntaxUid(),
          transferSyntaxes: context.getTransferSyntaxUids(),
        })),
      };
      const decision = this.decide(req);
      if (!decision.accept) {
        log.warn(
          { associationId: req.id, callingAe: req.callingAeTitle, calledAe: req.calledAeTitle, host: req.remoteAddress, result: decision.result, source: decision.source, reason: decision.reason },
          `association rejected: ${decision.why}`,
        );
        deps.events?.onAssociationRejected?.(req, decision);
        this.sendAssociationReject(decision.result, decision.source, decision.reason);
        this.guard.state.rejected();
        // The peer closes after A-ASSOCIATE-RJ (PS3.8 9.2.4); close ourselves if it does not.
        setTimeout(() => socket.destroy(), 2000).unref();
        return;
      }
      this.request = req;
      open.add(this);
      const peerMax = association.getMaxPduLength();
      association.setMaxPduLength(peerMax > 0 ? Math.min(peerMax, maxPdu) : maxPdu);
      for (const { context } of association.getPresentationContexts()) this.negotiate(req, context);
      log.info(
        { associationId: req.id, callingAe: req.callingAeTitle, host: req.remoteAddress, tls: req.tls },
        'association accepted',
      );
      deps.events?.onAssociationAccepted?.(req);
      this.sendAssociationAccept();
      this.guard.state.accepted();
    }

    private decide(req: AssociationRequest): { accept: true } | ({ accept: false } & AssociationReject) {
      if (listener.maxAssociations !== undefined && open.size >= listener.maxAssociations) {
        // PS3.8 Table 9-21: rejected-transient, service-provider (presentation), local-limit-exceeded.
        return { accept: false, result: 2, source: 3, reason: 2, why: `max associations (${listener.maxAssociations}) reached` };
      }
      try {
        return deps.policy.evaluate(req);
      } catch (err) {
        return { accept: false, result: 2, source: 1, reason: 1, why: `policy failed: ${errorMessage(err)}` };
      }
    }

    /** First proposed transfer syntax that we accept (the proposer's order, PS3.8 9.3.2.2). */
    private negotiate(req: AssociationRequest, context: DimseContext): void {
      const abstract = context.getAbstractSyntaxUid();
      const proposed = context.getTransferSyntaxUids();
      if (abstract === SopClass.Verification) {
        const ts = proposed.find((t) => ECHO_SYNTAXES.includes(t));
        if (ts) context.setResult(PresentationContextResult.Accept, ts);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        return;
      }
      if (!isStorageSopClass(abstract)) {
        log.info({ associationId: req.id, sopClass: abstract }, 'presentation context rejected: abstract syntax not supported');
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        return;
      }
      const ts = proposed.find((t) => accepted.has(t));
      if (ts) {
        context.setResult(PresentationContextResult.Accept, ts);
      } else {
        log.info(
          { associationId: req.id, sopClass: abstract, transferSyntaxes: proposed },
          'presentation context rejected: no proposed transfer syntax is accepted',
        );
        context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
    }

    override associationReleaseRequested(): void {
      this.outcome = 'released';
      this.sendAssociationReleaseResponse();
      this.guard.state.released();
      // The requestor closes after A-RELEASE-RP; one that does not is cut off when ARTIM expires (PS3.8 9.2.3).
      const socket = this.internals().socket;
      setTimeout(() => socket.destroy(), associationTimeoutMs).unref();
    }

    override abort(): void {
      this.outcome ??= 'aborted';
      closeSocket(this.internals().socket);
    }

    /** The state machine calls for an A-ABORT (wrong PDU for the state, unreadable or oversize PDU): send it and close. */
    protocolViolation({ why, source, reason }: PduAbort): void {
      if (this.aborting) return;
      this.aborting = true;
      this.outcome ??= 'error';
      this.error ??= new Error(why);
      const socket = this.internals().socket;
      log.warn({ associationId: this.request?.id, host: socket.remoteAddress, why }, 'protocol violation: association aborted');
      socket.removeAllListeners('data');
      socket.pause();
      // Nothing more is read from this peer: destroy once the A-ABORT is handed to the kernel.
      if (socket.writable) socket.write(abortPdu(source, reason), () => socket.destroy());
      setTimeout(() => socket.destroy(), 500).unref();
    }

    override cEchoRequest(request: CEchoRequest, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(): Writable {
      return new PdvCollector(maxDatasetBytes);
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      context: DimseContext,
      callback: (dataset: DimseDataset) => void,
    ): void {
      // An empty Dataset in the negotiated syntax carries the raw bytes to cStoreRequest; the
      // library never parses the data set.
      const dataset = new Dataset({}, context.getAcceptedTransferSyntaxUid());
      rawBytes.set(dataset, writable as PdvCollector);
      callback(dataset);
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
      const req = this.request;
      const dataset = request.getDataset();
      const collector = dataset ? rawBytes.get(dataset) : undefined;
      const chunks = collector?.chunks;
      const sopClassUid = request.getAffectedSopClassUid();
      const sopInstanceUid = request.getAffectedSopInstanceUid();
      const respond = (status: number): void => {
        if (this.closed) return;
        const response = CStoreResponse.fromRequest(request);
        response.setStatus(status);
        callback(response);
      };
      if (!req || !chunks || !dataset) {
        respond(DimseStatus.ProcessingFailure);
        return;
      }
      const transferSyntaxUid = dataset.getTransferSyntaxUid();
      let bytes: Buffer;
      try {
        bytes = wrapPart10({ sopClassUid, sopInstanceUid, transferSyntaxUid, sourceAeTitle: req.callingAeTitle }, chunks);
      } catch (err) {
        log.error({ associationId: req.id, sopInstanceUid, err: errorMessage(err) }, 'C-STORE: cannot frame data set');
        respond(DimseStatus.ProcessingFailure);
        return;
      }
      chunks.length = 0;
      const receivedBytes = collector.oversize ? collector.total : undefined;
      deps.handler
        .onStore({ association: req, sopClassUid, sopInstanceUid, transferSyntaxUid, bytes, receivedBytes })
        .then(
          (status) => {
            log.debug({ associationId: req.id, sopInstanceUid, status: formatStatus(status) }, 'C-STORE answered');
            respond(status);
          },
          (err: unknown) => {
            log.error({ associationId: req.id, sopInstanceUid, err: errorMessage(err) }, 'C-STORE handler failed: answering 0x0110');
            respond(DimseStatus.ProcessingFailure);
          },
        );
    }

    private onClosed(): void {
      if (this.closed) return;
      this.closed = true;
      if (!this.request) return;
      open.delete(this);
      const outcome = this.outcome ?? 'aborted';
      log.info({ associationId: this.request.id, outcome }, 'association closed');
      deps.events?.onAssociationClosed?.(this.request, outcome, outcome === 'error' ? this.error : undefined);
    }
  }

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
    new ListenerScp(socket, new PduGuard({ maxPDataBytes: maxPdu }));
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

/** Half-closes, then destroys a socket whose peer does not close in turn (half-open peers). */
function closeSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), 2000).unref();
}
