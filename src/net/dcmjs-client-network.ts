/**
 * What the SCU changes on the per-connection Network object of a dcmjs-dimse 0.3.3 Client, on
 * one association's connection only, for associations whose requests are each answered by exactly
 * one response (C-ECHO, C-STORE). The library still connects, negotiates, picks the presentation
 * context, transcodes, releases and aborts; these replace its costliest per-object steps with
 * the same bytes and the same events. Each relies on library internals not in its typings: an
 * upgrade checks them first (test/net and test/export fail when one stops working).
 */
import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { decodeResponseCommand } from './command-set.js';
import { pDataTfPdus } from './p-data-tf.js';
import { RawFileDataset } from './raw-file-dataset.js';

const { CEchoResponse, CStoreResponse } = dimse.responses;
type DimseRequest = InstanceType<typeof dimse.requests.Request>;

/** The parts of dcmjs-dimse's per-connection Network object used here (not in its typings). */
export interface ClientNetwork {
  on(ev: 'abort', cb: (a: { source: number; reason: number }) => void): void;
  socket?: Pick<Socket, 'destroy' | 'cork' | 'uncork' | 'write' | 'setNoDelay'>;
  dimse?: unknown;
  dimseStream?: unknown;
  pending?: DimseRequest[];
  datasetWriteOptions?: Record<string, unknown>;
  datasetNameMap?: Record<string, unknown>;
  statistics?: { addBytesSent(n: number): void };
  _sendPDataTF?: (request: DimseRequest, contextId: number, maxPduLength: number) => void;
  _processPdu?: (pdu: Buffer) => Promise<void>;
}

/**
 * dcmjs-dimse 0.3.3 keeps two things per association that grow with every answered request: the
 * buffer it collects a command in is never cleared after a command without a data set (a
 * C-STORE-RSP), so the k-th response is parsed together with the k-1 before it, and the list of
 * requests awaiting an answer is never pruned, so each response is matched by a scan over all
 * earlier requests. Both are quadratic in the objects per association (≈ 1.3 ms per response at
 * 200 objects). Each request here gets exactly one response and the next request goes out only
 * after it (the library has no asynchronous window), so when a response is reported nothing of
 * the next command is in the buffer and no other request awaits an answer: both are emptied then.
 */
export function forgetAnsweredCommand(network: ClientNetwork): void {
  network.dimseStream = undefined;
  if (Array.isArray(network.pending)) network.pending.length = 0;
}

/**
 * dcmjs-dimse frames each PDU of a request through two growing SmartBuffers (about ten copies of
 * every data set byte) and writes each PDU with its own `socket.write`. Here: a 12-byte header
 * per PDU and views of the command and data set bytes (`pDataTfPdus`), all PDUs of the request
 * in one writev; a file's data set is read into a pooled buffer, released once written, and the
 * next file is read while the peer answers. The library's `_sendDimse` calls this with the data
 * set to send (transcoded by then if the peer accepted another syntax).
 */
export function frameWithoutCopies(network: ClientNetwork): void {
  if (typeof network._sendPDataTF !== 'function') return;
  network._sendPDataTF = function (this: ClientNetwork, request: DimseRequest, contextId: number, maxPduLength: number): void {
    const socket = this.socket!;
    const parts = pDataTfPdus(request.getCommandDataset().getDenaturalizedCommandDataset(), { contextId, command: true, maxPduLength });
    const dataset = request.getDataset();
    // A file's own bytes (not transcoded by the library) are read into a pooled buffer.
    const lent = dataset instanceof RawFileDataset ? dataset.lendBytes() : undefined;
    if (dataset) {
      const bytes = lent?.bytes ?? dataset.getDenaturalizedDataset(this.datasetWriteOptions, this.datasetNameMap);
      parts.push(...pDataTfPdus(bytes, { contextId, command: false, maxPduLength }));
    }
    socket.cork();
    let sent = 0;
    for (const [i, part] of parts.entries()) {
      // The last write's callback runs once all of them have reached the kernel (or failed).
      socket.write(part, i === parts.length - 1 && lent ? () => lent.release() : undefined);
      sent += part.length;
    }
    process.nextTick(() => socket.uncork());
    this.statistics?.addBytesSent(sent);
    // With one request outstanding (no asynchronous window), the next file is read while the peer
    // takes in this one and answers: after the writev (uncorked on the next tick), before the poll.
    if (dataset instanceof RawFileDataset && dataset.next) {
      const next = dataset.next;
      setImmediate(() => next.readAhead());
    }
  };
}

/** P-DATA-TF (PS3.8 Table 9-22) holding exactly one PDV, the last fragment of a command: its value. */
function singleCommandPdv(pdu: Buffer): Buffer | undefined {
  if (pdu.length < 12 || pdu[0] !== 0x04) return undefined;
  const pduLength = pdu.readUInt32BE(2);
  const pdvLength = pdu.readUInt32BE(6);
  if (pduLength !== pdu.length - 6 || pdvLength !== pduLength - 4 || pdvLength < 2) return undefined;
  // Message control header (PS3.8 E.2): bit 0 command, bit 1 last fragment.
  return (pdu[11]! & 0x03) === 0x03 ? pdu.subarray(12) : undefined;
}

const C_STORE_RSP = 0x8001;
const C_ECHO_RSP = 0x8030;
const NO_DATA_SET = 0x0101;

/**
 * dcmjs-dimse reads every response command through its generic machinery: a MemoryStream per
 * message, the PDU re-read through a SmartBuffer, a full dcmjs parse of the command set and a copy
 * of the response object — 0.1–0.3 ms per C-STORE-RSP on this VM, a sixth of our CPU per object.
 * A C-STORE-RSP or C-ECHO-RSP arrives as one PDU with one PDV (a command of about 100 bytes), so
 * that case is decoded by `decodeResponseCommand` and handed to the request it answers, raising
 * the same 'response' and 'done' events the library raises; any other PDU, or a response it
 * cannot match to a request awaiting one, goes to the library as before.
 */
export function answerResponsesDirectly(network: ClientNetwork): void {
  const original = network._processPdu;
  if (typeof original !== 'function') return;
  network._processPdu = function (this: ClientNetwork, pdu: Buffer): Promise<void> {
    const value = this.dimse === undefined && this.dimseStream === undefined ? singleCommandPdv(pdu) : undefined;
    const answer = value && decodeResponseCommand(value);
    const known = answer && answer.commandDataSetType === NO_DATA_SET && (answer.commandField === C_STORE_RSP || answer.commandField === C_ECHO_RSP);
    const index = known && Array.isArray(this.pending) ? this.pending.findIndex((r) => r.getMessageId() === answer.messageIdBeingRespondedTo) : -1;
    if (!answer || index < 0) return original.call(this, pdu);
    const request = this.pending!.splice(index, 1)[0]!;
    const response =
      answer.commandField === C_STORE_RSP ? new CStoreResponse(answer.status, answer.errorComment as string) : new CEchoResponse(answer.status, answer.errorComment as string);
    response.setMessageIdBeingRespondedTo(answer.messageIdBeingRespondedTo);
    request.raiseResponseEvent(response);
    request.raiseDoneEvent();
    return Promise.resolve();
  };
}
