import { describe, expect, it } from 'vitest';
import { pDataTfPdus } from './p-data-tf.js';

/** Reads PDUs back: each one P-DATA-TF with one PDV. */
function readPdus(stream: Buffer): Array<{ pduLength: number; contextId: number; control: number; value: Buffer }> {
  const out = [];
  let offset = 0;
  while (offset < stream.length) {
    expect(stream[offset]).toBe(0x04);
    const pduLength = stream.readUInt32BE(offset + 2);
    const pdvLength = stream.readUInt32BE(offset + 6);
    expect(pdvLength).toBe(pduLength - 4);
    out.push({ pduLength, contextId: stream[offset + 10]!, control: stream[offset + 11]!, value: stream.subarray(offset + 12, offset + 6 + pduLength) });
    offset += 6 + pduLength;
  }
  expect(offset).toBe(stream.length);
  return out;
}

describe('P-DATA-TF framing', () => {
  const data = Buffer.from(Array.from({ length: 40_000 }, (_, i) => i % 251));

  it('splits a data set into PDUs no longer than the peer takes, the last one flagged, bytes unchanged', () => {
    const parts = pDataTfPdus(data, { contextId: 3, command: false, maxPduLength: 16_384 });
    const pdus = readPdus(Buffer.concat(parts));
    expect(pdus.map((p) => p.pduLength)).toEqual([16_384, 16_384, 40_000 - 2 * 16_378 + 6]);
    expect(pdus.map((p) => p.control)).toEqual([0x00, 0x00, 0x02]);
    expect(pdus.every((p) => p.contextId === 3)).toBe(true);
    expect(Buffer.concat(pdus.map((p) => p.value)).equals(data)).toBe(true);
  });

  it('marks a command, carries an empty part in one PDU, and does not copy the message', () => {
    const [header, value] = pDataTfPdus(Buffer.alloc(0), { contextId: 1, command: true, maxPduLength: 16_384 });
    expect(readPdus(Buffer.concat([header!, value!]))).toEqual([{ pduLength: 6, contextId: 1, control: 0x03, value: Buffer.alloc(0) }]);
    const parts = pDataTfPdus(data, { contextId: 1, command: false, maxPduLength: 16_384 });
    expect(parts[1]!.buffer).toBe(data.buffer);
  });

  it('treats a maximum length of 0 as unlimited up to the cap, and refuses one with no room for data', () => {
    expect(readPdus(Buffer.concat(pDataTfPdus(data, { contextId: 1, command: false, maxPduLength: 0 })))).toHaveLength(1);
    expect(readPdus(Buffer.concat(pDataTfPdus(data, { contextId: 1, command: false, maxPduLength: 0, cap: 20_006 })))).toHaveLength(2);
    expect(() => pDataTfPdus(data, { contextId: 1, command: false, maxPduLength: 6 })).toThrow(/no room/);
  });
});
