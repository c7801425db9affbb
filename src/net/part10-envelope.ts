import { ConformanceError } from '../shared/errors.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../dicom/implementation.js';

/**
 * Byte-level Part-10 framing (PS3.10 §7.1) for the network layer: a received data set is wrapped
 * in a File Meta Information header without being parsed, and a file to send is split into its
 * meta information and data set bytes, so the data set travels exactly as stored.
 */
export interface EnvelopeFields {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** (0002,0016) Source Application Entity Title: the peer that sent it. */
  sourceAeTitle?: string;
}

function padded(value: string, pad: string): Buffer {
  const b = Buffer.from(value, 'ascii');
  return b.length % 2 === 0 ? b : Buffer.concat([b, Buffer.from(pad, 'ascii')]);
}

/** Explicit VR Little Endian VRs with a 4-byte value length after two reserved bytes (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR', 'SV', 'UV']);

/** One element of group 0002: tag, VR, then a 2- or 4-byte length as the VR asks, then the value. */
function metaElement(element: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(0x0002, 0);
  h.writeUInt16LE(element, 2);
  h.write(vr, 4, 'ascii');
  if (long) h.writeUInt32LE(value.length, 8);
  else h.writeUInt16LE(value.length, 6);
  return Buffer.concat([h, value]);
}

/** The File Meta Information group (0002), group length included, Explicit VR Little Endian. */
export function encodeFileMeta(fields: EnvelopeFields): Buffer {
  const parts = [
    metaElement(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    metaElement(0x0002, 'UI', padded(fields.sopClassUid, '\0')),
    metaElement(0x0003, 'UI', padded(fields.sopInstanceUid, '\0')),
    metaElement(0x0010, 'UI', padded(fields.transferSyntaxUid, '\0')),
    metaElement(0x0012, 'UI', padded(IMPLEMENTATION_CLASS_UID, '\0')),
    metaElement(0x0013, 'SH', padded(IMPLEMENTATION_VERSION_NAME, ' ')),
  ];
  const ae = fields.sourceAeTitle?.trim();
  if (ae) parts.push(metaElement(0x0016, 'AE', padded(ae, ' ')));
  const group = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(group.length, 0);
  return Buffer.concat([metaElement(0x0000, 'UL', length), group]);
}

/** Preamble + `DICM` + meta + the data set bytes as received in the negotiated transfer syntax. */
export function wrapPart10(fields: EnvelopeFields, dataset: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(dataset) ? dataset : [dataset];
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'ascii'), encodeFileMeta(fields), ...body]);
}

export interface SplitPart10 {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** Offset of the first data set byte (after the meta group). */
  datasetOffset: number;
}

function uidValue(bytes: Buffer, start: number, length: number): string {
  return bytes.subarray(start, start + length).toString('ascii').replace(/[\0 ]+$/, '');
}

/**
 * Reads the meta group of a Part-10 file (only group 0002, which PS3.10 requires in Explicit VR
 * Little Endian) and returns where the data set starts. Throws ConformanceError when the preamble,
 * `DICM` or the transfer syntax is missing.
 */
export function splitPart10(bytes: Buffer): SplitPart10 {
  if (bytes.length < 132 || bytes.toString('ascii', 128, 132) !== 'DICM') {
    throw new ConformanceError('PACS_E_NOT_PART10', 'not a DICOM Part-10 file (no DICM prefix)');
  }
  let offset = 132;
  const fields: Partial<SplitPart10> = {};
  while (offset + 8 <= bytes.length && bytes.readUInt16LE(offset) === 0x0002) {
    const element = bytes.readUInt16LE(offset + 2);
    const vr = bytes.toString('ascii', offset + 4, offset + 6);
    let length: number;
    let valueStart: number;
    if (LONG_VRS.has(vr)) {
      length = bytes.readUInt32LE(offset + 8);
      valueStart = offset + 12;
    } else {
      length = bytes.readUInt16LE(offset + 6);
      valueStart = offset + 8;
    }
    if (valueStart + length > bytes.length) throw new ConformanceError('PACS_E_NOT_PART10', 'truncated file meta information');
    if (element === 0x0002) fields.sopClassUid = uidValue(bytes, valueStart, length);
    if (element === 0x0003) fields.sopInstanceUid = uidValue(bytes, valueStart, length);
    if (element === 0x0010) fields.transferSyntaxUid = uidValue(bytes, valueStart, length);
    offset = valueStart + length;
  }
  if (!fields.transferSyntaxUid) {
    throw new ConformanceError('PACS_E_NO_TRANSFER_SYNTAX', 'file meta information has no Transfer Syntax UID');
  }
  return {
    sopClassUid: fields.sopClassUid ?? '',
    sopInstanceUid: fields.sopInstanceUid ?? '',
    transferSyntaxUid: fields.transferSyntaxUid,
    datasetOffset: offset,
  };
}
