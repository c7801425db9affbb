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
import { isStorageSopClass } from './storage-sop-classes.js';
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
}

/** Default max PDU we announce when the listener sets none (dcmjs-dimse's own default). */
const DEFAULT_MAX_PDU = 262_144;

/** Verification accepts the uncompressed syntaxes every SCU supports (PS3.4 A.4). */
const ECHO_SYNTAXES = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'];

/** Collects a C-STORE data set's PDV bytes as they arrive, without parsing them. */
class PdvCollector extends Writable {
  readonly chunks: Buffer[] = [];
  constructor() {
    // A high-water mark above any PDV so write() never asks dcmjs-dimse to wait for 'drain'.
    super({ highWaterMark: 1 << 30 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    cb();
  }
}

/** Raw data set bytes per (empty) dcmjs-dimse Dataset handed through the library to cStoreRequest. */
const rawBytes = new WeakMap<object, Buffer[]>();

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
 * Max PDU: announced per association as min(peer's, listener's); dcmjs-dimse does not enforce a
 * limit on PDUs it receives.
 */
export function createDcmjsScp(listener: ListenerOptions, deps: DcmjsScpDeps): ScpTransport {
  quietDcmjsDimse();
  const log = deps.log.child({ listener: listener.name, transport: 'dcmjs-dimse' });
  const maxPdu = listener.maxPduLength ?? DEFAULT_MAX_PDU;
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

    constructor(socket: Socket) {
      super(socket, { associationTimeout: 30_000, pduTimeout: deps.idleTimeoutMs ?? 60_000 });
      const self = this as unknown as NetworkInternals;
      self.connected = true;
      self.connectedTime = Date.now();
      this.on('networkError', (err: Error) => {
        this.outcome ??= 'error';
        this.error ??= err;
        socket.end();
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
    }

    override abort(): void {
      this.outcome ??= 'aborted';
      this.internals().socket.end();
    }

    override cEchoRequest(request: CEchoRequest, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(): Writable {
      return new PdvCollector();
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      context: DimseContext,
      callback: (dataset: DimseDataset) => void,
    ): void {
      // An empty Dataset in the negotiated syntax carries the raw bytes to cStoreRequest; the
      // library never parses the data set.
      const dataset = new Dataset({}, context.getAcceptedTransferSyntaxUid());
      rawBytes.set(dataset, (writable as PdvCollector).chunks);
      callback(dataset);
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
      const req = this.request;
      const dataset = request.getDataset();
      const chunks = dataset ? rawBytes.get(dataset) : undefined;
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
      deps.handler
        .onStore({ association: req, sopClassUid, sopInstanceUid, transferSyntaxUid, bytes })
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
    sockets.add(socket);
    // Small C-STORE-RSP PDUs must not wait for Nagle + delayed ACK (~40 ms per instance).
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    // A socket error before the Scp has wrapped the socket must not crash the process.
    socket.on('error', () => undefined);
    new ListenerScp(socket);
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
      s.on('error', (err) => log.error({ err: err.message }, 'listener error'));
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
