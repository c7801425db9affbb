import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { decodeRequestCommand, decodeResponseCommand, encodeCommandSet, isEncodableCommandSet } from './command-set.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';

describe('command set encoding', () => {
  it('writes a C-STORE-RQ byte for byte as dcmjs-dimse does', () => {
    const request = new dimse.requests.CStoreRequest(new dimse.Dataset({ SOPClassUID: CT, SOPInstanceUID: '1.2.3' }, '1.2.840.10008.1.2.1'));
    request.setMessageId(7);
    const elements = request.getCommandDataset().getElements() as Record<string, unknown>;
    expect(isEncodableCommandSet(elements)).toBe(true);
    expect(encodeCommandSet(elements).equals(request.getCommandDataset().getDenaturalizedCommandDataset())).toBe(true);
  });

  it('puts the elements in tag order, pads odd UIDs with NUL and AE titles with a space, and states the group length', () => {
    const bytes = encodeCommandSet({ MoveDestination: 'ABC', MessageID: 513, CommandField: 0x21, AffectedSOPClassUID: '1.2.3' });
    const tags: number[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      expect(bytes.readUInt16LE(offset)).toBe(0);
      tags.push(bytes.readUInt16LE(offset + 2));
      offset += 8 + bytes.readUInt32LE(offset + 4);
    }
    expect(tags).toEqual([0x0000, 0x0002, 0x0100, 0x0110, 0x0600]);
    expect(bytes.readUInt32LE(8)).toBe(bytes.length - 12);
    expect(bytes.subarray(20, 26).toString('ascii')).toBe('1.2.3\0');
    expect(bytes.readUInt16LE(bytes.length - 4 - 8 - 2)).toBe(513);
    expect(bytes.subarray(bytes.length - 4).toString('ascii')).toBe('ABC ');
    // dcmjs-dimse reads it back as the same command.
    const read = new dimse.Dataset(bytes, '1.2.840.10008.1.2').getElements() as Record<string, unknown>;
    expect(read).toMatchObject({ MoveDestination: 'ABC', MessageID: 513, CommandField: 0x21, AffectedSOPClassUID: '1.2.3' });
  });

  it('refuses an element it does not know', () => {
    expect(isEncodableCommandSet({ CommandField: 1, PatientID: 'x' })).toBe(false);
    expect(() => encodeCommandSet({ PatientID: 'x' })).toThrow(/PatientID/);
  });
});

describe('response command decoding', () => {
  function storeRsp(status: number, errorComment?: string): Buffer {
    const rsp = new dimse.responses.CStoreResponse(status, errorComment as string);
    rsp.setAffectedSopClassUid(CT);
    rsp.setAffectedSopInstanceUid('1.2.3.4');
    rsp.setMessageIdBeingRespondedTo(4097);
    return rsp.getCommandDataset().getDenaturalizedCommandDataset();
  }

  it('reads what dcmjs-dimse writes into a C-STORE-RSP, warnings and failures included', () => {
    expect(decodeResponseCommand(storeRsp(0))).toEqual({ commandField: 0x8001, messageIdBeingRespondedTo: 4097, status: 0, commandDataSetType: 0x0101 });
    expect(decodeResponseCommand(storeRsp(0xb000))?.status).toBe(0xb000);
    expect(decodeResponseCommand(storeRsp(0xa700, 'Out of resources'))).toMatchObject({ status: 0xa700, errorComment: 'Out of resources' });
  });

  it('refuses a request, a truncated command and an element outside group 0000', () => {
    const rq = encodeCommandSet({ AffectedSOPClassUID: CT, CommandField: 0x0001, MessageID: 1, Priority: 0, CommandDataSetType: 0x0000, AffectedSOPInstanceUID: '1.2' });
    expect(decodeResponseCommand(rq)).toBeUndefined();
    const rsp = storeRsp(0);
    expect(decodeResponseCommand(rsp.subarray(0, rsp.length - 3))).toBeUndefined();
    const foreign = Buffer.from(rsp);
    foreign.writeUInt16LE(0x0008, 12);
    expect(decodeResponseCommand(foreign)).toBeUndefined();
  });

  it('needs the status and the message ID it answers', () => {
    const noStatus = encodeCommandSet({ CommandField: 0x8001, MessageIDBeingRespondedTo: 3, CommandDataSetType: 0x0101 });
    expect(decodeResponseCommand(noStatus)).toBeUndefined();
    expect(decodeResponseCommand(encodeCommandSet({ CommandField: 0x8030, MessageIDBeingRespondedTo: 3, CommandDataSetType: 0x0101, Status: 0 }))).toMatchObject({ commandField: 0x8030, status: 0 });
  });
});

describe('request command decoding', () => {
  it('reads what dcmjs-dimse writes into a C-STORE-RQ', () => {
    const request = new dimse.requests.CStoreRequest(new dimse.Dataset({ SOPClassUID: CT, SOPInstanceUID: '1.2.3.45' }, '1.2.840.10008.1.2.1'));
    request.setMessageId(513);
    expect(decodeRequestCommand(request.getCommandDataset().getDenaturalizedCommandDataset())).toEqual({
      commandField: 0x0001,
      messageId: 513,
      commandDataSetType: 0x0202,
      affectedSopClassUid: CT,
      affectedSopInstanceUid: '1.2.3.45',
    });
  });

  it('reads a C-ECHO-RQ, which carries no data set', () => {
    const echo = new dimse.requests.CEchoRequest();
    echo.setMessageId(9);
    expect(decodeRequestCommand(echo.getCommandDataset().getDenaturalizedCommandDataset())).toMatchObject({ commandField: 0x0030, messageId: 9, commandDataSetType: 0x0101 });
  });

  it('refuses a response, a truncated command, an element outside group 0000 and a command without a message ID', () => {
    const rsp = encodeCommandSet({ AffectedSOPClassUID: CT, CommandField: 0x8001, MessageIDBeingRespondedTo: 1, CommandDataSetType: 0x0101, Status: 0 });
    expect(decodeRequestCommand(rsp)).toBeUndefined();
    const rq = encodeCommandSet({ AffectedSOPClassUID: CT, CommandField: 0x0001, MessageID: 1, Priority: 0, CommandDataSetType: 0x0000, AffectedSOPInstanceUID: '1.2' });
    expect(decodeRequestCommand(rq.subarray(0, rq.length - 1))).toBeUndefined();
    const foreign = Buffer.from(rq);
    foreign.writeUInt16LE(0x0008, 12);
    expect(decodeRequestCommand(foreign)).toBeUndefined();
    expect(decodeRequestCommand(encodeCommandSet({ CommandField: 0x0001, CommandDataSetType: 0 }))).toBeUndefined();
  });
});
