/**
 * Byte-level encoding of a DIMSE command set (PS3.7 §6.3, §E.1): group 0000 elements in Implicit
 * VR Little Endian, ascending tag order, led by Command Group Length (0000,0000). Written by hand
 * because dcmjs' generic writer costs about 0.3 ms per command, as much as sending a 512² slice.
 */

/** The command elements an SCU sends (PS3.7 Annex E), by dcmjs keyword: tag element and VR. */
const COMMAND_ELEMENTS: Record<string, { element: number; vr: 'UI' | 'US' | 'UL' | 'AE' }> = {
  AffectedSOPClassUID: { element: 0x0002, vr: 'UI' },
  RequestedSOPClassUID: { element: 0x0003, vr: 'UI' },
  CommandField: { element: 0x0100, vr: 'US' },
  MessageID: { element: 0x0110, vr: 'US' },
  MessageIDBeingRespondedTo: { element: 0x0120, vr: 'US' },
  MoveDestination: { element: 0x0600, vr: 'AE' },
  Priority: { element: 0x0700, vr: 'US' },
  CommandDataSetType: { element: 0x0800, vr: 'US' },
  Status: { element: 0x0900, vr: 'US' },
  AffectedSOPInstanceUID: { element: 0x1000, vr: 'UI' },
  RequestedSOPInstanceUID: { element: 0x1001, vr: 'UI' },
  MoveOriginatorApplicationEntityTitle: { element: 0x1030, vr: 'AE' },
  MoveOriginatorMessageID: { element: 0x1031, vr: 'US' },
};

function element(tagElement: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0000, 0);
  header.writeUInt16LE(tagElement, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

function valueBytes(vr: 'UI' | 'US' | 'UL' | 'AE', value: unknown): Buffer {
  switch (vr) {
    case 'US': {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(Number(value), 0);
      return b;
    }
    case 'UL': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(value), 0);
      return b;
    }
    case 'UI':
    case 'AE': {
      // Even length (PS3.5 §7.1.1): UIDs are padded with NUL, AE titles with a space.
      const s = String(value);
      return Buffer.from(s.length % 2 === 0 ? s : s + (vr === 'UI' ? '\0' : ' '), 'ascii');
    }
  }
}

/** Whether every element of this command set is one `encodeCommandSet` knows. */
export function isEncodableCommandSet(elements: Record<string, unknown>): boolean {
  return Object.entries(elements).every(([keyword, v]) => keyword === 'CommandGroupLength' || (keyword in COMMAND_ELEMENTS && v !== undefined && v !== null));
}

/**
 * The command set as it goes into a command PDV: (0000,0000) group length, then the elements in
 * ascending tag order. Throws for an element it does not know (see `isEncodableCommandSet`).
 */
export function encodeCommandSet(elements: Record<string, unknown>): Buffer {
  const known = Object.entries(elements)
    .filter(([keyword]) => keyword !== 'CommandGroupLength')
    .map(([keyword, value]) => {
      const spec = COMMAND_ELEMENTS[keyword];
      if (!spec) throw new Error(`command element ${keyword} is not encodable`);
      return { element: spec.element, bytes: valueBytes(spec.vr, value) };
    })
    .sort((a, b) => a.element - b.element);
  const body = Buffer.concat(known.map((e) => element(e.element, e.bytes)));
  return Buffer.concat([element(0x0000, valueBytes('UL', body.length)), body]);
}

/** What an SCU needs from a response's command set (PS3.7 §9.1.1.1.2, Annex E). */
export interface ResponseCommand {
  commandField: number;
  messageIdBeingRespondedTo: number;
  status: number;
  /** (0000,0800): 0x0101 when no data set follows (PS3.7 §E.1). */
  commandDataSetType: number;
  errorComment?: string;
}

/**
 * Reads a response command set (Implicit VR Little Endian, group 0000); elements it does not need
 * are skipped. Undefined when the bytes are not a well-formed response command (a request, an
 * element outside group 0000, a length past the end, a required element missing).
 */
export function decodeResponseCommand(bytes: Buffer): ResponseCommand | undefined {
  const out: Partial<ResponseCommand> = {};
  const complete = walkCommandElements(bytes, (tagElement, value, length) => {
    switch (tagElement) {
      case 0x0100:
        out.commandField = uint16(bytes, value, length);
        break;
      case 0x0120:
        out.messageIdBeingRespondedTo = uint16(bytes, value, length);
        break;
      case 0x0800:
        out.commandDataSetType = uint16(bytes, value, length);
        break;
      case 0x0900:
        out.status = uint16(bytes, value, length);
        break;
      case 0x0902:
        out.errorComment = trimmedText(bytes, value, length);
        break;
    }
  });
  if (!complete) return undefined;
  const { commandField, messageIdBeingRespondedTo, status, commandDataSetType } = out;
  if (commandField === undefined || (commandField & 0x8000) === 0) return undefined;
  if (messageIdBeingRespondedTo === undefined || status === undefined || commandDataSetType === undefined) return undefined;
  return { commandField, messageIdBeingRespondedTo, status, commandDataSetType, ...(out.errorComment ? { errorComment: out.errorComment } : {}) };
}

/**
 * Calls `visit` with each element of a group-0000 command set (Implicit VR Little Endian); false
 * when the bytes are not one: an element outside group 0000, or cut short.
 */
function walkCommandElements(bytes: Buffer, visit: (tagElement: number, value: number, length: number) => void): boolean {
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) return false;
    const group = bytes.readUInt16LE(offset);
    const tagElement = bytes.readUInt16LE(offset + 2);
    const length = bytes.readUInt32LE(offset + 4);
    const value = offset + 8;
    if (group !== 0x0000 || value + length > bytes.length) return false;
    visit(tagElement, value, length);
    offset = value + length;
  }
  return true;
}

const uint16 = (bytes: Buffer, value: number, length: number): number | undefined => (length === 2 ? bytes.readUInt16LE(value) : undefined);
const trimmedText = (bytes: Buffer, start: number, length: number): string => bytes.toString('latin1', start, start + length).replace(/[\0 ]+$/, '');

/** What an SCP needs from a request's command set (PS3.7 §9.1, Annex E). */
export interface RequestCommand {
  commandField: number;
  messageId: number;
  /** (0000,0800): 0x0101 when no data set follows (PS3.7 §E.1). */
  commandDataSetType: number;
  affectedSopClassUid?: string;
  affectedSopInstanceUid?: string;
}


/**
 * Reads a request command set (Implicit VR Little Endian, group 0000) the way
 * `decodeResponseCommand` reads a response; elements it does not need are skipped. Undefined when
 * the bytes are not a well-formed request command (a response, an element outside group 0000, a
 * length past the end, Command Field, Message ID or Command Data Set Type missing).
 */
export function decodeRequestCommand(bytes: Buffer): RequestCommand | undefined {
  const out: Partial<RequestCommand> = {};
  const complete = walkCommandElements(bytes, (tagElement, value, length) => {
    switch (tagElement) {
      case 0x0002:
        out.affectedSopClassUid = trimmedText(bytes, value, length);
        break;
      case 0x0100:
        out.commandField = uint16(bytes, value, length);
        break;
      case 0x0110:
        out.messageId = uint16(bytes, value, length);
        break;
      case 0x0800:
        out.commandDataSetType = uint16(bytes, value, length);
        break;
      case 0x1000:
        out.affectedSopInstanceUid = trimmedText(bytes, value, length);
        break;
    }
  });
  if (!complete) return undefined;
  const { commandField, messageId, commandDataSetType } = out;
  if (commandField === undefined || (commandField & 0x8000) !== 0) return undefined;
  if (messageId === undefined || commandDataSetType === undefined) return undefined;
  return out as RequestCommand;
}
