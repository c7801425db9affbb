import dimse from 'dcmjs-dimse';
import { describe, expect, it, vi } from 'vitest';
import { encodeCommandSet } from './command-set.js';
import { answerResponsesDirectly, type ClientNetwork } from './dcmjs-client-network.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';

/** A P-DATA-TF PDU with the given PDVs (context 1). */
function pDataTf(pdvs: Array<{ value: Buffer; control: number }>): Buffer {
  const items = pdvs.map(({ value, control }) => {
    const h = Buffer.alloc(6);
    h.writeUInt32BE(value.length + 2, 0);
    h[4] = 1;
    h[5] = control;
    return Buffer.concat([h, value]);
  });
  const body = Buffer.concat(items);
  const h = Buffer.alloc(6);
  h[0] = 0x04;
  h.writeUInt32BE(body.length, 2);
  return Buffer.concat([h, body]);
}

const storeRsp = (messageId: number, status: number) =>
  encodeCommandSet({ AffectedSOPClassUID: CT, CommandField: 0x8001, MessageIDBeingRespondedTo: messageId, CommandDataSetType: 0x0101, Status: status, AffectedSOPInstanceUID: '1.2.3' });

function network(messageIds: number[]) {
  const requests = messageIds.map((id) => {
    const r = new dimse.requests.CStoreRequest(new dimse.Dataset({ SOPClassUID: CT, SOPInstanceUID: `1.2.${id}` }, '1.2.840.10008.1.2.1'));
    r.setMessageId(id);
    return r;
  });
  const library = vi.fn(() => Promise.resolve());
  const net: ClientNetwork = { on: () => {}, pending: [...requests], _processPdu: library };
  answerResponsesDirectly(net);
  return { net, requests, library };
}

describe('answerResponsesDirectly', () => {
  it('hands a C-STORE-RSP to the request it answers, with its status, and takes that request off the pending list', async () => {
    const { net, requests, library } = network([1, 2]);
    const seen: number[] = [];
    const done = vi.fn();
    requests[1]!.on('response', (r: { getStatus(): number }) => seen.push(r.getStatus()));
    requests[1]!.on('done', done);
    await net._processPdu!(pDataTf([{ value: storeRsp(2, 0xb007), control: 0x03 }]));
    expect(seen).toEqual([0xb007]);
    expect(done).toHaveBeenCalledTimes(1);
    expect(net.pending).toEqual([requests[0]]);
    expect(library).not.toHaveBeenCalled();
  });

  it('leaves to the library what it does not recognise: several PDVs, a fragment, no such request, a message in progress', async () => {
    const { net, library } = network([1]);
    const rsp = storeRsp(1, 0);
    await net._processPdu!(pDataTf([{ value: rsp, control: 0x03 }, { value: rsp, control: 0x03 }]));
    await net._processPdu!(pDataTf([{ value: rsp, control: 0x01 }]));
    await net._processPdu!(pDataTf([{ value: storeRsp(9, 0), control: 0x03 }]));
    net.dimseStream = {};
    await net._processPdu!(pDataTf([{ value: rsp, control: 0x03 }]));
    expect(library).toHaveBeenCalledTimes(4);
    expect(net.pending).toHaveLength(1);
  });
});
