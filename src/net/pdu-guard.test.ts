import { describe, expect, it } from 'vitest';
import { abortPdu, PduGuard } from './pdu-guard.js';

const header = (type: number, length: number): Buffer => {
  const b = Buffer.alloc(6);
  b[0] = type;
  b.writeUInt32BE(length, 2);
  return b;
};

/** A guard that has let an A-ASSOCIATE-RQ through and sent A-ASSOCIATE-AC (Sta6). */
function associated(maxPDataBytes = 1000): PduGuard {
  const g = new PduGuard({ maxPDataBytes });
  g.feed(Buffer.concat([header(1, 10), Buffer.alloc(10)]), () => undefined);
  g.state.accepted();
  return g;
}

describe('PduGuard', () => {
  it('hands the library each PDU let through, whole and in order, however the bytes are split', () => {
    const rq = Buffer.concat([header(1, 10), Buffer.alloc(10, 1)]);
    const data = Buffer.concat([header(4, 100), Buffer.alloc(100, 4)]);
    const release = Buffer.concat([header(5, 4), Buffer.alloc(4, 5)]);
    const stream = Buffer.concat([rq, data, release]);
    for (let step = 1; step <= 7; step++) {
      const g = new PduGuard({ maxPDataBytes: 100 });
      const delivered: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) {
        expect(
          g.feed(stream.subarray(i, i + step), (b) => {
            delivered.push(b);
            // The listener answers the A-ASSOCIATE-RQ as soon as it is complete.
            if (Buffer.concat(delivered).length === rq.length) g.state.accepted();
          }),
        ).toBeUndefined();
      }
      expect(Buffer.concat(delivered)).toEqual(stream);
    }
  });

  it('aborts on a PDU the state does not allow, before handing any of it on', () => {
    const delivered: Buffer[] = [];
    const g = new PduGuard({ maxPDataBytes: 1000 });
    expect(g.feed(Buffer.concat([header(4, 4), Buffer.alloc(4)]), (b) => delivered.push(b))).toMatchObject({ source: 0, reason: 0 });
    expect(delivered).toEqual([]);
    expect(associated().feed(header(2, 10), () => undefined)).toMatchObject({ source: 2, reason: 2 });
  });

  it('aborts a P-DATA-TF above the announced maximum, even when its header arrives in pieces', () => {
    const g = associated(1000);
    const h = header(4, 0xffff_fff0);
    expect(g.feed(h.subarray(0, 3), () => undefined)).toBeUndefined();
    expect(g.feed(h.subarray(3), () => undefined)).toMatchObject({ source: 2, reason: 6 });
    // Sticky: nothing after it is handed on.
    const after: Buffer[] = [];
    expect(g.feed(header(5, 4), (b) => after.push(b))).toBeDefined();
    expect(after).toEqual([]);
  });

  it('aborts unknown PDU types and oversize non-data PDUs', () => {
    expect(associated().feed(header(0x47, 10), () => undefined)).toMatchObject({ source: 2, reason: 1 });
    expect(new PduGuard({ maxPDataBytes: 1000, maxOtherPduBytes: 64 }).feed(header(1, 65), () => undefined)).toMatchObject({ source: 0, reason: 0 });
    expect(new PduGuard({ maxPDataBytes: 1000, maxOtherPduBytes: 64 }).feed(header(1, 64), () => undefined)).toBeUndefined();
  });

  it('drops PDUs after A-RELEASE-RP without handing them on (AA-6)', () => {
    const g = associated();
    g.feed(Buffer.concat([header(5, 4), Buffer.alloc(4)]), () => undefined);
    g.state.released();
    const delivered: Buffer[] = [];
    expect(g.feed(Buffer.concat([header(4, 4), Buffer.alloc(4)]), (b) => delivered.push(b))).toBeUndefined();
    expect(delivered).toEqual([]);
  });

  it('answers a PDU the library could not read by the state it arrived in', () => {
    const g = new PduGuard({ maxPDataBytes: 1000 });
    g.feed(Buffer.concat([header(1, 10), Buffer.alloc(10)]), () => undefined);
    expect(g.unreadable('bad A-ASSOCIATE-RQ')).toMatchObject({ source: 0, reason: 0 });
    expect(associated().unreadable('bad command set')).toMatchObject({ source: 2, reason: 6 });
  });

  it('builds an A-ABORT with the given source and reason', () => {
    expect([...abortPdu(2, 6)]).toEqual([7, 0, 0, 0, 0, 4, 0, 0, 2, 6]);
  });

  it('hands an established association\'s P-DATA-TF PDUs to its P-DATA target, the bytes as views, and the rest to the library', () => {
    const g = associated();
    const starts: number[] = [];
    const fed: Buffer[] = [];
    g.pData = { start: (n) => void starts.push(n), feed: (b) => void fed.push(b) };
    const data = Buffer.concat([header(4, 100), Buffer.alloc(100, 4)]);
    const release = Buffer.concat([header(5, 4), Buffer.alloc(4, 5)]);
    const toLibrary: Buffer[] = [];
    const chunk = Buffer.concat([data, release]);
    expect(g.feed(chunk.subarray(0, 50), (b) => void toLibrary.push(b))).toBeUndefined();
    expect(g.feed(chunk.subarray(50), (b) => void toLibrary.push(b))).toBeUndefined();
    expect(starts).toEqual([100]);
    expect(Buffer.concat(fed)).toEqual(Buffer.alloc(100, 4));
    expect(fed[0]!.buffer).toBe(chunk.buffer);
    expect(Buffer.concat(toLibrary)).toEqual(release);
  });

  it('aborts (AA-8, invalid PDU parameter value) when the P-DATA target cannot read a PDU or fails', () => {
    for (const target of [{ start: () => undefined, feed: () => 'bad PDV' }, { start: () => { throw new Error('boom'); }, feed: () => undefined }]) {
      const g = associated();
      g.pData = target;
      const abort = g.feed(Buffer.concat([header(4, 10), Buffer.alloc(10)]), () => undefined);
      expect(abort).toMatchObject({ source: 2, reason: 6 });
      expect(abort?.why).toMatch(/bad PDV|boom/);
    }
  });
});
