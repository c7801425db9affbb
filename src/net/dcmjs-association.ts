import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { DimseStatus } from '../dicom/status.js';
import type { Logger } from '../shared/log.js';
import { answerPresentationContext, decideAssociation, negotiatedMaxPdu } from './association-policy.js';
import { encodeCommandSet, type RequestCommand } from './command-set.js';
import { notePduReceived, startAssociationTimer, takeOverSocketInput } from './dcmjs-dimse-internals.js';
import { DimseMessageAssembler } from './dimse-message-assembler.js';
import { pDataTfPdus } from './p-data-tf.js';
import type { PdvCollector } from './pdv-collector.js';
import { PdvReader } from './pdv-reader.js';
import { describeReject } from './reject-text.js';
import { abortPdu, type PDataTarget, type PduAbort, type PduGuard } from './pdu-guard.js';
import { closeSocket, destroyAfter } from './socket-close.js';
import { answerStore, storeCollector } from './store-request.js';
import type { AssociationEvents, AssociationPolicy, AssociationRequest, ListenerOptions, StoreHandler } from './types.js';

const { Scp } = dimse;
const { PresentationContextResult } = dimse.constants;
type DimseAssociation = InstanceType<typeof dimse.association.Association>;
type DimseContext = InstanceType<typeof dimse.association.PresentationContext>;

/** DIMSE command fields of the requests answered here (PS3.7 Annex E). */
const Command = { CStoreRq: 0x0001, CEchoRq: 0x0030, CCancelRq: 0x0fff } as const;
/** Refused: unrecognized operation (PS3.7 Annex C.5): a DIMSE service this SCP does not provide. */
const UNRECOGNIZED_OPERATION = 0x0211;
/** (0000,0800) Command Data Set Type: no data set follows. */
const NO_DATA_SET = 0x0101;

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

/**
 * One upper-layer connection on a dcmjs-dimse listener, from TCP accept to close. The PduGuard
 * sees every byte first and hands the library only the PDUs the acceptor state machine lets
 * through (PS3.8 Table 9-10); a PDU it refuses gets the A-ABORT the standard names. The
 * A-ASSOCIATE-RQ goes through decideAssociation (A-ASSOCIATE-RJ with its logged reason, or
 * A-ASSOCIATE-AC with each context answered). Once the association is established its P-DATA-TF
 * PDUs no longer go to the library: they are read here (pdv-reader.ts, dimse-message-assembler.ts),
 * each C-STORE data set is collected raw behind its Part-10 prefix (pdv-collector.ts) and answered
 * with answerStore's status, and the responses are written with the small command-set encoder.
 */
export class DcmjsAssociation extends Scp {
  private request?: AssociationRequest;
  private outcome?: 'released' | 'aborted' | 'error';
  private error?: Error;
  private closed = false;
  /** True while a PDU is being handed to the library: an error then means it could not be read. */
  private delivering = false;
  private aborting = false;
  /** Established: the peer's Maximum Length Received (0: unlimited) and the accepted contexts' transfer syntaxes. */
  private peerMaxPdu = 0;
  private readonly contexts = new Map<number, string>();
  /** C-STOREs handed to the handler and not yet answered; an A-RELEASE-RQ waits for them. */
  private inFlight = 0;
  private releaseWaiting = false;
  /** The last data set's size on this association: the next collector's first guess. */
  private lastDataSetBytes?: number;

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
    this.peerMaxPdu = association.getMaxPduLength();
    association.setMaxPduLength(negotiatedMaxPdu(this.peerMaxPdu, this.ctx.maxPdu));
    for (const { id, context } of association.getPresentationContexts()) {
      const transferSyntax = this.answer(req, context);
      if (transferSyntax) this.contexts.set(id, transferSyntax);
    }
    log.info({ associationId: req.id, callingAe: req.callingAeTitle, host: req.remoteAddress, tls: req.tls }, 'association accepted');
    events?.onAssociationAccepted?.(req);
    this.sendAssociationAccept();
    this.guard.state.accepted();
    this.guard.pData = this.pDataTarget();
  }

  /** Reads the established association's P-DATA-TF PDUs into requests. */
  private pDataTarget(): PDataTarget {
    const assembler = new DimseMessageAssembler<PdvCollector>({
      acceptedContext: (id) => this.contexts.has(id),
      openDataSet: (id, command) => this.openDataSet(id, command),
      request: (id, command, dataSet) => this.onRequest(id, command, dataSet),
    });
    const reader = new PdvReader(assembler);
    return {
      start: (length) => {
        notePduReceived(this);
        return reader.startPdu(length);
      },
      feed: (bytes) => reader.feed(bytes),
    };
  }

  /** Where a C-STORE's data set goes: behind its Part-10 prefix. Any other request's data set is dropped. */
  private openDataSet(contextId: number, command: RequestCommand): PdvCollector | undefined {
    if (command.commandField !== Command.CStoreRq) return undefined;
    const { affectedSopClassUid: sopClassUid, affectedSopInstanceUid: sopInstanceUid } = command;
    try {
      const fields = { sopClassUid: sopClassUid ?? '', sopInstanceUid: sopInstanceUid ?? '', transferSyntaxUid: this.contexts.get(contextId)!, sourceAeTitle: this.request?.callingAeTitle };
      return storeCollector(fields, this.ctx.maxDatasetBytes, this.lastDataSetBytes);
    } catch (err) {
      this.ctx.log.error({ associationId: this.request?.id, sopInstanceUid, err: (err as Error).message }, 'C-STORE: cannot frame data set');
      return undefined;
    }
  }

  private onRequest(contextId: number, command: RequestCommand, dataSet: PdvCollector | undefined): void {
    switch (command.commandField) {
      case Command.CStoreRq:
        this.store(contextId, command, dataSet);
        return;
      case Command.CEchoRq:
        this.respond(contextId, command, DimseStatus.Success);
        return;
      case Command.CCancelRq:
        // Cancels a C-FIND, C-GET or C-MOVE (PS3.7 9.3.2.3): none runs here, and C-CANCEL has no response.
        return;
      default:
        this.ctx.log.info({ associationId: this.request?.id, commandField: command.commandField }, 'DIMSE request this SCP does not provide: refused');
        this.respond(contextId, command, UNRECOGNIZED_OPERATION);
    }
  }

  private store(contextId: number, command: RequestCommand, collector: PdvCollector | undefined): void {
    if (collector && !collector.oversize) this.lastDataSetBytes = collector.total;
    const received = {
      association: this.request,
      sopClassUid: command.affectedSopClassUid ?? '',
      sopInstanceUid: command.affectedSopInstanceUid ?? '',
      transferSyntaxUid: this.contexts.get(contextId),
      collector,
    };
    this.inFlight++;
    void answerStore(received, this.ctx.handler, this.ctx.log).then((status) => {
      this.inFlight--;
      this.respond(contextId, command, status);
      if (this.inFlight === 0 && this.releaseWaiting) this.release();
    });
  }

  /** The response to a request (no data set), as one write of its P-DATA-TF PDUs. */
  private respond(contextId: number, command: RequestCommand, status: number): void {
    if (this.closed || this.aborting || !this.conn.writable) return;
    const fields: Record<string, unknown> = {
      CommandField: command.commandField | 0x8000,
      MessageIDBeingRespondedTo: command.messageId,
      CommandDataSetType: NO_DATA_SET,
      Status: status,
    };
    if (command.affectedSopClassUid !== undefined) fields.AffectedSOPClassUID = command.affectedSopClassUid;
    if (command.affectedSopInstanceUid !== undefined) fields.AffectedSOPInstanceUID = command.affectedSopInstanceUid;
    this.conn.write(Buffer.concat(pDataTfPdus(encodeCommandSet(fields), { contextId, command: true, maxPduLength: this.peerMaxPdu })));
  }

  /** Answers one proposed presentation context; the accepted transfer syntax, if it is accepted. */
  private answer(req: AssociationRequest, context: DimseContext): string | undefined {
    const abstractSyntax = context.getAbstractSyntaxUid();
    const proposed = context.getTransferSyntaxUids();
    const answer = answerPresentationContext(abstractSyntax, proposed, this.ctx.acceptedTransferSyntaxes);
    if (answer.accept) {
      context.setResult(PresentationContextResult.Accept, answer.transferSyntax);
      return answer.transferSyntax;
    }
    if (answer.why) {
      this.ctx.log.info({ associationId: req.id, sopClass: abstractSyntax, transferSyntaxes: proposed }, `presentation context rejected: ${answer.why}`);
    }
    context.setResult(
      answer.reason === 'abstract-syntax-not-supported'
        ? PresentationContextResult.RejectAbstractSyntaxNotSupported
        : PresentationContextResult.RejectTransferSyntaxesNotSupported,
    );
    return undefined;
  }

  override associationReleaseRequested(): void {
    this.outcome = 'released';
    // C-STOREs still being made durable are answered first (P-DATA may follow A-RELEASE-RQ: PS3.8 Table 9-10, AR-7).
    if (this.inFlight > 0) this.releaseWaiting = true;
    else this.release();
  }

  private release(): void {
    this.releaseWaiting = false;
    if (this.closed) return;
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
