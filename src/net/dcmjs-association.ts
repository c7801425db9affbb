import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { Logger } from '../shared/log.js';
import { answerPresentationContext, decideAssociation, negotiatedMaxPdu } from './association-policy.js';
import { startAssociationTimer, takeOverSocketInput } from './dcmjs-dimse-internals.js';
import { PdvCollector } from './pdv-collector.js';
import { describeReject } from './reject-text.js';
import { abortPdu, type PduAbort, type PduGuard } from './pdu-guard.js';
import { closeSocket, destroyAfter } from './socket-close.js';
import { answerStore } from './store-request.js';
import type { AssociationEvents, AssociationPolicy, AssociationRequest, ListenerOptions, StoreHandler } from './types.js';

const { Scp, Dataset } = dimse;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, Status } = dimse.constants;
type DimseAssociation = InstanceType<typeof dimse.association.Association>;
type DimseContext = InstanceType<typeof dimse.association.PresentationContext>;
type DimseDataset = InstanceType<typeof dimse.Dataset>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;

/** What every association of one listener shares. */
export interface ListenerContext {
  listener: ListenerOptions;
  policy: AssociationPolicy;
  handler: StoreHandler;
  events?: AssociationEvents;
  log: Logger;
  /** The max PDU length this listener announces (and the PduGuard's P-DATA-TF limit). */
  maxPdu: number;
  acceptedTransferSyntaxes: ReadonlySet<string>;
  idleTimeoutMs: number;
  associationTimeoutMs: number;
  maxDatasetBytes: number;
  /** The listener's accepted, still open associations: each adds itself on accept, removes itself on close. */
  open: Set<DcmjsAssociation>;
}

/** Raw data set bytes per (empty) dcmjs-dimse Dataset handed through the library to cStoreRequest. */
const rawBytes = new WeakMap<object, PdvCollector>();

/**
 * One upper-layer connection on a dcmjs-dimse listener, from TCP accept to close. The PduGuard
 * sees every byte first and hands the library only the PDUs the acceptor state machine lets
 * through (PS3.8 Table 9-10); a PDU it refuses gets the A-ABORT the standard names. The
 * A-ASSOCIATE-RQ goes through decideAssociation (A-ASSOCIATE-RJ with its logged reason, or
 * A-ASSOCIATE-AC with each context answered), C-ECHO is answered here and each C-STORE data set
 * is collected raw and answered with answerStore's status.
 */
export class DcmjsAssociation extends Scp {
  private request?: AssociationRequest;
  private outcome?: 'released' | 'aborted' | 'error';
  private error?: Error;
  private closed = false;
  /** True while a PDU is being handed to the library: an error then means it could not be read. */
  private delivering = false;
  private aborting = false;

  constructor(
    private readonly conn: Socket,
    private readonly guard: PduGuard,
    private readonly ctx: ListenerContext,
  ) {
    super(conn, { associationTimeout: ctx.associationTimeoutMs, pduTimeout: ctx.idleTimeoutMs });
    startAssociationTimer(this);
    // The library answers each PDU synchronously, so the next one is judged in the new state.
    const toLibrary = takeOverSocketInput(conn);
    conn.on('data', (chunk: Buffer) => {
      const abort = guard.feed(chunk, (pdu) => {
        this.delivering = true;
        try {
          toLibrary(pdu);
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
      else closeSocket(conn);
    });
    this.on('close', () => this.onClosed());
  }

  override associationRequested(association: DimseAssociation): void {
    const { listener, log, events } = this.ctx;
    const req: AssociationRequest = {
      id: randomUUID(),
      callingAeTitle: association.getCallingAeTitle().trim(),
      calledAeTitle: association.getCalledAeTitle().trim(),
      remoteAddress: this.conn.remoteAddress ?? '',
      remotePort: this.conn.remotePort ?? 0,
      tls: listener.tls !== undefined,
      listener: listener.name,
      proposedContexts: association.getPresentationContexts().map(({ context }) => ({
        abstractSyntax: context.getAbstractSyntaxUid(),
        transferSyntaxes: context.getTransferSyntaxUids(),
      })),
    };
    const decision = decideAssociation(req, this.ctx.policy, { openAssociations: this.ctx.open.size, maxAssociations: listener.maxAssociations });
    if (!decision.accept) {
      log.warn(
        { associationId: req.id, callingAe: req.callingAeTitle, calledAe: req.calledAeTitle, host: req.remoteAddress, result: decision.result, source: decision.source, reason: decision.reason, reject: describeReject(decision) },
        `association rejected: ${decision.why}`,
      );
      events?.onAssociationRejected?.(req, decision);
      this.sendAssociationReject(decision.result, decision.source, decision.reason);
      this.guard.state.rejected();
      // The peer closes after A-ASSOCIATE-RJ (PS3.8 9.2.4); close ourselves if it does not.
      destroyAfter(this.conn, 2000);
      return;
    }
    this.request = req;
    this.ctx.open.add(this);
    association.setMaxPduLength(negotiatedMaxPdu(association.getMaxPduLength(), this.ctx.maxPdu));
    for (const { context } of association.getPresentationContexts()) this.answer(req, context);
    log.info({ associationId: req.id, callingAe: req.callingAeTitle, host: req.remoteAddress, tls: req.tls }, 'association accepted');
    events?.onAssociationAccepted?.(req);
    this.sendAssociationAccept();
    this.guard.state.accepted();
  }

  private answer(req: AssociationRequest, context: DimseContext): void {
    const abstractSyntax = context.getAbstractSyntaxUid();
    const proposed = context.getTransferSyntaxUids();
    const answer = answerPresentationContext(abstractSyntax, proposed, this.ctx.acceptedTransferSyntaxes);
    if (answer.accept) {
      context.setResult(PresentationContextResult.Accept, answer.transferSyntax);
      return;
    }
    if (answer.why) {
      this.ctx.log.info({ associationId: req.id, sopClass: abstractSyntax, transferSyntaxes: proposed }, `presentation context rejected: ${answer.why}`);
    }
    context.setResult(
      answer.reason === 'abstract-syntax-not-supported'
        ? PresentationContextResult.RejectAbstractSyntaxNotSupported
        : PresentationContextResult.RejectTransferSyntaxesNotSupported,
    );
  }

  override associationReleaseRequested(): void {
    this.outcome = 'released';
    this.sendAssociationReleaseResponse();
    this.guard.state.released();
    // The requestor closes after A-RELEASE-RP; one that does not is cut off when ARTIM expires (PS3.8 9.2.3).
    destroyAfter(this.conn, this.ctx.associationTimeoutMs);
  }

  override abort(): void {
    this.outcome ??= 'aborted';
    closeSocket(this.conn);
  }

  /** The state machine calls for an A-ABORT (wrong PDU for the state, unreadable or oversize PDU): send it and close. */
  private protocolViolation({ why, source, reason }: PduAbort): void {
    if (this.aborting) return;
    this.aborting = true;
    this.outcome ??= 'error';
    this.error ??= new Error(why);
    const socket = this.conn;
    this.ctx.log.warn({ associationId: this.request?.id, host: socket.remoteAddress, why }, 'protocol violation: association aborted');
    socket.removeAllListeners('data');
    socket.pause();
    // Nothing more is read from this peer: destroy once the A-ABORT is handed to the kernel.
    if (socket.writable) socket.write(abortPdu(source, reason), () => socket.destroy());
    destroyAfter(socket, 500);
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
    const response = CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  override createStoreWritableStream(): Writable {
    return new PdvCollector(this.ctx.maxDatasetBytes);
  }

  override createDatasetFromStoreWritableStream(writable: Writable, context: DimseContext, callback: (dataset: DimseDataset) => void): void {
    // An empty Dataset in the negotiated syntax carries the raw bytes to cStoreRequest; the
    // library never parses the data set.
    const dataset = new Dataset({}, context.getAcceptedTransferSyntaxUid());
    rawBytes.set(dataset, writable as PdvCollector);
    callback(dataset);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
    const dataset = request.getDataset();
    const received = {
      association: this.request,
      sopClassUid: request.getAffectedSopClassUid(),
      sopInstanceUid: request.getAffectedSopInstanceUid(),
      transferSyntaxUid: dataset?.getTransferSyntaxUid(),
      collector: dataset ? rawBytes.get(dataset) : undefined,
    };
    void answerStore(received, this.ctx.handler, this.ctx.log).then((status) => {
      if (this.closed) return;
      const response = CStoreResponse.fromRequest(request);
      response.setStatus(status);
      callback(response);
    });
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.request) return;
    this.ctx.open.delete(this);
    const outcome = this.outcome ?? 'aborted';
    this.ctx.log.info({ associationId: this.request.id, outcome }, 'association closed');
    this.ctx.events?.onAssociationClosed?.(this.request, outcome, outcome === 'error' ? this.error : undefined);
  }
}
