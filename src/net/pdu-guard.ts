/**
 * Watches the raw bytes of an upper-layer connection (PS3.8 9.3) and reports the first PDU header
 * that must not be buffered: an unknown PDU type, a P-DATA-TF longer than the maximum PDU length we
 * announced, or another PDU longer than `maxOtherPduBytes`. dcmjs-dimse accumulates every PDU
 * in memory until its declared length has arrived, so without this check one header declaring
 * 4 GB would make it buffer whatever the peer sends.
 */
export interface PduViolation {
  pduType: number;
  length: number;
  /** A-ABORT reason (PS3.8 Table 9-26): 1 unrecognized PDU, 6 invalid PDU parameter value. */
  abortReason: 1 | 6;
  why: string;
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
  private readonly header = Buffer.alloc(PDU_HEADER);
  private headerFill = 0;
  /** Bytes of the current PDU's variable field still to come. */
  private remaining = 0;
  private violation?: PduViolation;

  constructor(private readonly opts: PduGuardOptions) {}

  /** Feeds the next bytes received; returns the violation once one is found (and every time after). */
  feed(chunk: Uint8Array): PduViolation | undefined {
    let i = 0;
    while (!this.violation && i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      const take = Math.min(PDU_HEADER - this.headerFill, chunk.length - i);
      this.header.set(chunk.subarray(i, i + take), this.headerFill);
      this.headerFill += take;
      i += take;
      if (this.headerFill < PDU_HEADER) break;
      this.headerFill = 0;
      this.violation = this.check(this.header[0]!, this.header.readUInt32BE(2));
      if (!this.violation) this.remaining = this.header.readUInt32BE(2);
    }
    return this.violation;
  }

  private check(pduType: number, length: number): PduViolation | undefined {
    if (!KNOWN_TYPES.has(pduType)) {
      return { pduType, length, abortReason: 1, why: `unknown PDU type 0x${pduType.toString(16).padStart(2, '0')}` };
    }
    const max = pduType === P_DATA_TF ? this.opts.maxPDataBytes : (this.opts.maxOtherPduBytes ?? DEFAULT_MAX_OTHER);
    if (length > max) {
      return { pduType, length, abortReason: 6, why: `PDU type 0x0${pduType} declares ${length} bytes, more than the ${max} accepted` };
    }
    return undefined;
  }
}

/** A-ABORT PDU (PS3.8 9.3.8) from the service provider (source 2) with the given reason. */
export function abortPdu(reason: number): Buffer {
  return Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, reason & 0xff]);
}
