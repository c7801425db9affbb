/** One presentation data value item's header (PS3.8 §9.3.5.1, Annex E.2). */
export interface PdvItem {
  contextId: number;
  /** Message control header bit 0: a command fragment (else a data set fragment). */
  command: boolean;
  /** Message control header bit 1: the last fragment of the command or data set. */
  last: boolean;
}

/** Where the fragments of the PDV items go; a returned text is a protocol error (the PDU is invalid). */
export interface PdvSink {
  /**
   * Part of an item's value, in order; `itemDone` on its final part (an empty item gets one empty
   * part). `bytes` is a view of the received chunk, valid only during the call.
   */
  piece(item: PdvItem, bytes: Buffer, itemDone: boolean): string | undefined;
}

const ITEM_HEADER = 6;

/**
 * Reads the variable field of P-DATA-TF PDUs (PS3.8 §9.3.5) as it arrives, in chunks of any size,
 * and hands each PDV item's value to a sink without copying it. Checks what the framing guarantees:
 * each item is at least its context ID and control header long and ends inside its PDU, and a PDU
 * holds at least one item.
 */
export class PdvReader {
  private readonly header = Buffer.alloc(ITEM_HEADER);
  private headerFill = 0;
  /** Bytes of the current PDU still to come. */
  private pduLeft = 0;
  /** Bytes of the current item's value still to come; -1 while an item header is read. */
  private valueLeft = -1;
  private item: PdvItem = { contextId: 0, command: false, last: false };

  constructor(private readonly sink: PdvSink) {}

  /** A P-DATA-TF PDU whose variable field is `length` bytes begins. */
  startPdu(length: number): string | undefined {
    if (length < ITEM_HEADER) return `P-DATA-TF of ${length} bytes holds no presentation data value`;
    this.pduLeft = length;
    this.headerFill = 0;
    this.valueLeft = -1;
    return undefined;
  }

  /** The next bytes of the current PDU's variable field (never past its end). */
  feed(bytes: Buffer): string | undefined {
    let i = 0;
    while (i < bytes.length) {
      if (this.valueLeft < 0) {
        const take = Math.min(ITEM_HEADER - this.headerFill, bytes.length - i);
        bytes.copy(this.header, this.headerFill, i, i + take);
        this.headerFill += take;
        this.pduLeft -= take;
        i += take;
        if (this.headerFill < ITEM_HEADER) {
          if (this.pduLeft <= 0) return 'P-DATA-TF ends inside a presentation data value header';
          break;
        }
        this.headerFill = 0;
        const itemLength = this.header.readUInt32BE(0);
        if (itemLength < 2) return `presentation data value item of length ${itemLength}`;
        if (itemLength - 2 > this.pduLeft) return `presentation data value of ${itemLength} bytes runs past its P-DATA-TF`;
        const control = this.header[5]!;
        this.item = { contextId: this.header[4]!, command: (control & 0x01) !== 0, last: (control & 0x02) !== 0 };
        this.valueLeft = itemLength - 2;
        if (this.valueLeft === 0) {
          this.valueLeft = -1;
          const err = this.sink.piece(this.item, bytes.subarray(i, i), true);
          if (err) return err;
        }
        continue;
      }
      const take = Math.min(this.valueLeft, bytes.length - i);
      this.valueLeft -= take;
      this.pduLeft -= take;
      const done = this.valueLeft === 0;
      const err = this.sink.piece(this.item, bytes.subarray(i, i + take), done);
      if (err) return err;
      if (done) this.valueLeft = -1;
      i += take;
    }
    return undefined;
  }
}
