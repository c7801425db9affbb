import { describe, expect, it } from 'vitest';
import { encodeCommandSet, type RequestCommand } from './command-set.js';
import { DimseMessageAssembler, type DataSetTarget } from './dimse-message-assembler.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const storeRq = encodeCommandSet({ AffectedSOPClassUID: CT, CommandField: 0x0001, MessageID: 7, Priority: 0, CommandDataSetType: 0x0000, AffectedSOPInstanceUID: '1.2.3' });
const echoRq = encodeCommandSet({ AffectedSOPClassUID: '1.2.840.10008.1.1', CommandField: 0x0030, MessageID: 8, CommandDataSetType: 0x0101 });

class Target implements DataSetTarget {
  readonly bytes: number[] = [];
  append(b: Uint8Array): void {
    this.bytes.push(...b);
  }
}

function assembler(accepted = [1, 3]) {
  const requests: Array<{ contextId: number; command: RequestCommand; data?: number[] }> = [];
  const opened: RequestCommand[] = [];
  const a = new DimseMessageAssembler<Target>({
    acceptedContext: (id) => accepted.includes(id),
    openDataSet: (_id, command) => (opened.push(command), new Target()),
    request: (contextId, command, dataSet) => void requests.push({ contextId, command, data: dataSet?.bytes }),
  });
  return { a, requests, opened };
}

const item = (contextId: number, command: boolean, last: boolean) => ({ contextId, command, last });

describe('DimseMessageAssembler', () => {
  it('puts a C-STORE-RQ together from command fragments and data set fragments, opening the data set once the command is read', () => {
    const { a, requests, opened } = assembler();
    expect(a.piece(item(1, true, false), storeRq.subarray(0, 10), true)).toBeUndefined();
    expect(a.piece(item(1, true, true), storeRq.subarray(10, 20), false)).toBeUndefined();
    expect(opened).toHaveLength(0);
    expect(a.piece(item(1, true, true), storeRq.subarray(20), true)).toBeUndefined();
    expect(opened).toMatchObject([{ commandField: 1, messageId: 7, affectedSopInstanceUid: '1.2.3' }]);
    expect(a.piece(item(1, false, false), Buffer.from([1, 2]), true)).toBeUndefined();
    expect(a.piece(item(1, false, true), Buffer.from([3]), true)).toBeUndefined();
    expect(requests).toEqual([{ contextId: 1, command: opened[0], data: [1, 2, 3] }]);
  });

  it('hands on a request without a data set when its command ends, and reads the next message on another context', () => {
    const { a, requests } = assembler();
    expect(a.piece(item(3, true, true), echoRq, true)).toBeUndefined();
    expect(requests).toMatchObject([{ contextId: 3, command: { commandField: 0x30, messageId: 8 }, data: undefined }]);
    expect(a.piece(item(1, true, true), storeRq, true)).toBeUndefined();
    expect(a.piece(item(1, false, true), Buffer.from([5]), true)).toBeUndefined();
    expect(requests[1]).toMatchObject({ contextId: 1, data: [5] });
  });

  it('refuses a context not accepted, a context change inside a message, data before its command, a command inside a data set and an unreadable command', () => {
    expect(assembler().a.piece(item(5, true, true), echoRq, true)).toMatch(/not accepted/);
    const mixed = assembler().a;
    mixed.piece(item(1, true, false), storeRq.subarray(0, 4), true);
    expect(mixed.piece(item(3, true, true), storeRq.subarray(4), true)).toMatch(/inside a message on context 1/);
    expect(assembler().a.piece(item(1, false, true), Buffer.from([1]), true)).toMatch(/before its command/);
    const twice = assembler().a;
    twice.piece(item(1, true, true), storeRq, true);
    expect(twice.piece(item(1, true, true), storeRq, true)).toMatch(/while a data set was expected/);
    expect(assembler().a.piece(item(1, true, true), Buffer.from([1, 2, 3]), true)).toMatch(/not a readable DIMSE request/);
  });

  it('stops reading a command set that never ends', () => {
    const { a } = assembler();
    const fragment = Buffer.alloc(16 * 1024);
    let why: string | undefined;
    for (let i = 0; i < 10 && !why; i++) why = a.piece(item(1, true, false), fragment, true);
    expect(why).toMatch(/command set longer than/);
  });
});
