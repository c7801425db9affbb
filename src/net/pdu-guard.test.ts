import { describe, expect, it } from 'vitest';
import { abortPdu, PduGuard } from './pdu-guard.js';

const header = (type: number, length: number): Buffer => {
  const b = Buffer.alloc(6);
  b[0] = type;
  b.writeUInt32BE(length, 2);
  return b;
};

describe('PduGuard', () => {
  it('passes well-formed PDUs split at any byte', () => {
    const stream = Buffer.concat([header(1, 10), Buffer.alloc(10), header(4, 100), Buffer.alloc(100), header(5, 4), Buffer.alloc(4)]);
    for (let step = 1; step <= 7; step++) {
      const g = new PduGuard({ maxPDataBytes: 100 });
      for (let i = 0; i < stream.length; i += step) expect(g.feed(stream.subarray(i, i + step))).toBeUndefined();
    }
  });

  it('flags a P-DATA-TF above the announced maximum, even when its header arrives in pieces', () => {
    const g = new PduGuard({ maxPDataBytes: 1000 });
    const h = header(4, 0xffff_fff0);
    expect(g.feed(h.subarray(0, 3))).toBeUndefined();
    expect(g.feed(h.subarray(3))).toMatchObject({ pduType: 4, length: 0xffff_fff0, abortReason: 6 });
    // Sticky: nothing after a violation is accepted.
    expect(g.feed(header(5, 4))).toBeDefined();
  });

  it('flags unknown PDU types and oversize non-data PDUs', () => {
    expect(new PduGuard({ maxPDataBytes: 1000 }).feed(header(0x47, 10))).toMatchObject({ abortReason: 1 });
    expect(new PduGuard({ maxPDataBytes: 1000, maxOtherPduBytes: 64 }).feed(header(1, 65))).toMatchObject({ pduType: 1, abortReason: 6 });
    expect(new PduGuard({ maxPDataBytes: 1000, maxOtherPduBytes: 64 }).feed(header(1, 64))).toBeUndefined();
  });

  it('builds an A-ABORT from the service provider', () => {
    expect([...abortPdu(6)]).toEqual([7, 0, 0, 0, 0, 4, 0, 0, 2, 6]);
  });
});
