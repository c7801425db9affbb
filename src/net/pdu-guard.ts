import { AbortReason, AcceptorStateMachine, type InvalidPdu } from './acceptor-state-machine.js';

/**
 * Sits between an upper-layer connection's raw bytes (PS3.8 9.3) and the protocol library. It
 * frames the PDUs, asks the acceptor state machine about each header, and hands the library only
 * the PDUs that may be processed, one PDU at a time, so each is judged in the state the previous
 * one left. It also stops what must not be buffered: an unknown PDU type, a P-DATA-TF longer than
 * the maximum PDU length we announced, or another PDU longer than `maxOtherPduBytes` (dcmjs-dimse
 * keeps each PDU in memory until its declared length has arrived, so one header declaring 4 GB
 * would make it buffer whatever the peer sends).
 */
export interface PduAbort {
  /** A-ABORT source and reason (PS3.8 Table 9-26) to send before closing. */
  source: number;
  reason: number;
  why: string;
}

/**
 * Takes the P-DATA-TF PDUs of an established association instead of the library: the start of
 * each (its variable field's length) and then its bytes as views of the received chunks, not
 * copied. A returned text makes the PDU invalid (Evt19).
 */
export interface PDataTarget {
  start(length: number): string | undefined;
  feed(bytes: Buffer): string | undefined;
}

export interface PduGuardOptions {
  /** Largest P-DATA-TF variable field accepted (the max PDU length announced to the peer). */
  maxPDataBytes: number;
  /** Largest other PDU accepted (A-ASSOCIATE-RQ with many contexts is the biggest legitimate one). */
  maxOtherPduBytes?: number;
}

const PDU_HEADER = 6;
const P_DATA_TF = 0x04;
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
const DEFAULT_MAX_OTHER = 1 << 20;

export class PduGuard {
  readonly state = new AcceptorStateMachine();
  private readonly header = Buffer.alloc(PDU_HEADER);
  private headerFill = 0;
  /** Bytes of the current PDU's variable field still to come. */
  private remaining = 0;
  /** Whether the current PDU's bytes go to the library (false: AA-6, read and dropped). */
  private passing = false;
  /** Whether the current PDU's bytes go to `pData` instead. */
  private toPData = false;
  private aborted?: PduAbort;
  /** Set once the association is established: P-DATA-TF PDUs go here, not to the library. */
  pData?: PDataTarget;

  constructor(private readonly opts: PduGuardOptions) {}

  /**
   * Feeds the next bytes received; `deliver` gets the bytes of each PDU let through, in order.
   * Returns the A-ABORT to send once the state machine calls for one (and every time after).
   */
  feed(chunk: Uint8Array, deliver: (bytes: Buffer) => void): PduAbort | undefined {
    let i = 0;
    while (!this.aborted && i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        if (this.toPData) this.routeToPData((t) => t.feed(Buffer.from(chunk.buffer, chunk.byteOffset + i, take)));
        else if (this.passing) deliver(Buffer.from(chunk.subarray(i, i + take)));
        i += take;
        continue;
      }
      const take = Math.min(PDU_HEADER - this.headerFill, chunk.length - i);
      this.header.set(chunk.subarray(i, i + take), this.headerFill);
      this.headerFill += take;
      i += take;
      if (this.headerFill < PDU_HEADER) break;
      this.headerFill = 0;
      const pduType = this.header[0]!;
      const length = this.header.readUInt32BE(2);
      const verdict = this.state.received(pduType, this.check(pduType, length));
      if (verdict.action === 'abort') {
        this.aborted = { source: verdict.source, reason: verdict.reason, why: verdict.why };
        break;
      }
      this.passing = verdict.action === 'pass';
      this.remaining = length;
      this.toPData = this.passing && pduType === P_DATA_TF && this.pData !== undefined;
      if (this.toPData) this.routeToPData((t) => t.start(length));
      else if (this.passing) deliver(Buffer.from(this.header));
    }
    return this.aborted;
  }

  /** Hands P-DATA-TF bytes to the target; what it cannot read (or a failure in it) is an invalid PDU. */
  private routeToPData(call: (target: PDataTarget) => string | undefined): void {
    let why: string | undefined;
    try {
      why = call(this.pData!);
    } catch (err) {
      why = `P-DATA-TF not readable: ${(err as Error).message}`;
    }
    if (why) this.unreadable(why);
  }

  /**
   * The library could not read a PDU it was handed (Evt19, PS3.8 9.2.3): the A-ABORT the state
   * machine calls for, or undefined when the peer's own A-ABORT was the unreadable PDU.
   */
  unreadable(why: string): PduAbort | undefined {
    if (this.aborted) return this.aborted;
    const verdict = this.state.unreadable(why);
    if (verdict.action === 'abort') this.aborted = { source: verdict.source, reason: verdict.reason, why: verdict.why };
    return this.aborted;
  }

  private check(pduType: number, length: number): InvalidPdu | undefined {
    if (!KNOWN_TYPES.has(pduType)) {
      return { reason: AbortReason.UnrecognizedPdu, why: `unknown PDU type 0x${pduType.toString(16).padStart(2, '0')}` };
    }
    const max = pduType === P_DATA_TF ? this.opts.maxPDataBytes : (this.opts.maxOtherPduBytes ?? DEFAULT_MAX_OTHER);
    if (length > max) {
      return { reason: AbortReason.InvalidPduParameterValue, why: `PDU type 0x0${pduType} declares ${length} bytes, more than the ${max} accepted` };
    }
    return undefined;
  }
}

/** A-ABORT PDU (PS3.8 9.3.8) with the given source and reason/diag. */
export function abortPdu(source: number, reason: number): Buffer {
  return Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, source & 0xff, reason & 0xff]);
}
