import { describe, expect, it } from 'vitest';
import { pDataTfPdus } from './p-data-tf.js';
import { PdvReader, type PdvItem } from './pdv-reader.js';

interface Seen {
  item: PdvItem;
  bytes: number[];
  done: boolean;
}

function reader(): { r: PdvReader; seen: Seen[] } {
  const seen: Seen[] = [];
  const r = new PdvReader({ piece: (item, bytes, done) => void seen.push({ item, bytes: [...bytes], done }) });
  return { r, seen };
}

/** The variable field of one P-DATA-TF with these PDV items. */
function field(...items: Array<{ contextId: number; control: number; value: number[] }>): Buffer {
  return Buffer.concat(
    items.map(({ contextId, control, value }) => {
      const h = Buffer.alloc(6);
      h.writeUInt32BE(value.length + 2, 0);
      h[4] = contextId;
      h[5] = control;
      return Buffer.concat([h, Buffer.from(value)]);
    }),
  );
}

describe('PdvReader', () => {
  it('hands on each item of a PDU with its context and control bits, fed in one piece', () => {
    const { r, seen } = reader();
    const f = field({ contextId: 1, control: 0x03, value: [1, 2, 3] }, { contextId: 1, control: 0x00, value: [4, 5] });
    expect(r.startPdu(f.length)).toBeUndefined();
    expect(r.feed(f)).toBeUndefined();
    expect(seen).toEqual([
      { item: { contextId: 1, command: true, last: true }, bytes: [1, 2, 3], done: true },
      { item: { contextId: 1, command: false, last: false }, bytes: [4, 5], done: true },
    ]);
  });

  it('reads the same items fed a byte at a time, headers split anywhere', () => {
    const { r, seen } = reader();
    const f = field({ contextId: 3, control: 0x02, value: [9, 8, 7, 6] }, { contextId: 3, control: 0x02, value: [] });
    r.startPdu(f.length);
    for (let i = 0; i < f.length; i++) expect(r.feed(f.subarray(i, i + 1))).toBeUndefined();
    expect(seen.flatMap((s) => s.bytes)).toEqual([9, 8, 7, 6]);
    expect(seen.filter((s) => s.done)).toHaveLength(2);
    expect(seen.at(-1)).toEqual({ item: { contextId: 3, command: false, last: true }, bytes: [], done: true });
  });

  it('reads the PDUs our own framing writes', () => {
    const { r, seen } = reader();
    const message = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    const pdus = pDataTfPdus(message, { contextId: 5, command: false, maxPduLength: 256 });
    for (let i = 0; i < pdus.length; i += 2) {
      const header = pdus[i]!;
      r.startPdu(header.readUInt32BE(2));
      expect(r.feed(Buffer.concat([header.subarray(6), pdus[i + 1]!]))).toBeUndefined();
    }
    expect(Buffer.from(seen.flatMap((s) => s.bytes))).toEqual(message);
    expect(seen.at(-1)?.item.last).toBe(true);
    expect(seen.slice(0, -1).every((s) => !s.item.last)).toBe(true);
  });

  it('refuses a PDU without an item, an item shorter than its header, one running past its PDU, and a PDU ending inside an item header', () => {
    expect(reader().r.startPdu(4)).toMatch(/holds no presentation data value/);
    const short = reader().r;
    short.startPdu(6);
    expect(short.feed(Buffer.from([0, 0, 0, 1, 1, 3]))).toMatch(/of length 1/);
    const long = reader().r;
    long.startPdu(8);
    expect(long.feed(Buffer.from([0, 0, 0, 9, 1, 3, 0, 0]))).toMatch(/runs past its P-DATA-TF/);
    const cut = reader().r;
    const f = field({ contextId: 1, control: 3, value: [1] });
    cut.startPdu(f.length + 3);
    expect(cut.feed(Buffer.concat([f, Buffer.from([0, 0, 0])]))).toMatch(/ends inside a presentation data value header/);
  });

  it('passes on what the sink refuses', () => {
    const r = new PdvReader({ piece: () => 'no such context' });
    const f = field({ contextId: 7, control: 3, value: [1] });
    r.startPdu(f.length);
    expect(r.feed(f)).toBe('no such context');
  });
});
