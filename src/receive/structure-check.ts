import { inflateRawSync } from 'node:zlib';
import { TransferSyntax } from '../dicom/transfer-syntax.js';

/**
 * A linear pre-check of a Part-10 object's encoding, before dcmjs parses it. dcmjs's parse time
 * grows with the square of the sequence nesting depth (5 000 nested undefined-length sequences in a
 * 160 kB file hold the event loop for minutes), and a Deflated data set is inflated whole, so a
 * small object can expand without bound. This walk needs no dictionary and allocates nothing from
 * a declared length: it only reads element headers.
 */
export interface StructureLimits {
  /** Sequence + item levels (one nested sequence = 2); default 64. */
  maxNesting?: number;
  /** Largest inflated size of a Deflated Explicit VR Little Endian data set; default 512 MiB. */
  maxInflatedBytes?: number;
}

export type StructureProblem = { code: 'PACS_E_NESTING' | 'PACS_E_DEFLATE_BOMB'; message: string };

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const PIXEL_DATA = 0x7fe00010;

/** Start of the data set and its transfer syntax, from the group-2 meta elements (explicit VR LE). */
function metaEnd(b: Buffer): { at: number; ts: string } | undefined {
  if (b.length < 132 || b.toString('latin1', 128, 132) !== 'DICM') return undefined;
  let o = 132;
  let ts = '';
  while (o + 8 <= b.length && b.readUInt16LE(o) === 0x0002) {
    const vr = b.toString('latin1', o + 4, o + 6);
    const long = LONG_VRS.has(vr);
    const len = long ? (o + 12 <= b.length ? b.readUInt32LE(o + 8) : 0) : b.readUInt16LE(o + 6);
    const hdr = long ? 12 : 8;
    if (b.readUInt16LE(o + 2) === 0x0010) ts = b.toString('latin1', o + hdr, Math.min(b.length, o + hdr + len)).replace(/[\0\s]+$/, '');
    o += hdr + len;
  }
  return o <= b.length ? { at: o, ts } : undefined;
}

/** The top-level Pixel Data element (7FE0,0010) as the walk found it. */
export interface PixelDataElement {
  /** Offset of its element header in the walked buffer (the inflated data set when Deflated). */
  offset: number;
  /** Declared value length; undefined for an undefined length (encapsulated fragments). */
  declaredLength: number | undefined;
  /** Value bytes actually present (less than declared when the object is cut short). */
  presentLength: number;
  /** Nothing follows the element (the walk ended exactly at its end). */
  last: boolean;
}

/** What one linear walk over a data set's element headers found. */
export interface DatasetWalk {
  /** Deepest sequence/item nesting; the walk stops early once `limit` is passed. */
  depth: number;
  pixelData?: PixelDataElement;
}

/** Walks a data set's element headers once: nesting depth and where the top-level Pixel Data sits. */
export function walkDataset(b: Buffer, start: number, explicit: boolean, bigEndian: boolean, limit: number): DatasetWalk {
  const u16 = (o: number) => (bigEndian ? b.readUInt16BE(o) : b.readUInt16LE(o));
  const u32 = (o: number) => (bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o));
  const stack: number[] = []; // end offset of each open container (Infinity: undefined length)
  let deepest = 0;
  let pixelData: PixelDataElement | undefined;
  let pos = start;
  while (pos + 8 <= b.length) {
    while (stack.length > 0 && pos >= stack[stack.length - 1]!) stack.pop();
    const group = u16(pos);
    const element = u16(pos + 2);
    if (group === 0xfffe) {
      // Items and delimiters: tag + 4-byte length in every transfer syntax (PS3.5 7.5).
      const len = u32(pos + 4);
      pos += 8;
      if (element === 0xe000) stack.push(len === UNDEFINED ? Infinity : pos + len);
      else if (element === 0xe00d || element === 0xe0dd) {
        if (stack.length > 0 && stack[stack.length - 1] === Infinity) stack.pop();
      } else break;
    } else {
      const tag = ((group << 16) | element) >>> 0;
      let len: number;
      let hdr = 8;
      let vr = '';
      if (explicit) {
        vr = b.toString('latin1', pos + 4, pos + 6);
        if (LONG_VRS.has(vr)) {
          if (pos + 12 > b.length) break;
          len = u32(pos + 8);
          hdr = 12;
        } else len = u16(pos + 6);
      } else len = u32(pos + 4);
      if (tag === PIXEL_DATA && stack.length === 0) {
        const defined = len === UNDEFINED ? undefined : len;
        const present = Math.max(0, Math.min(defined ?? Infinity, b.length - pos - hdr));
        pixelData = { offset: pos, declaredLength: defined, presentLength: present, last: defined !== undefined && pos + hdr + defined === b.length };
      }
      // Encapsulated pixel data (fragments) and UN with undefined length (implicit VR inside) end the walk.
      if (len === UNDEFINED && (tag === PIXEL_DATA || vr === 'UN')) break;
      if (len === UNDEFINED) {
        stack.push(Infinity);
        pos += hdr;
      } else if (vr === 'SQ') {
        stack.push(pos + hdr + len);
        pos += hdr;
      } else pos += hdr + len;
    }
    if (stack.length > deepest) deepest = stack.length;
    if (deepest > limit) break;
  }
  return { depth: deepest, pixelData };
}

/** The outcome of {@link scanStructure}. */
export interface StructureScan {
  /** Why the object must not reach the parser; undefined when it may. */
  problem?: StructureProblem;
  /** Transfer syntax from the meta header ('' when the object is not Part 10). */
  transferSyntaxUid: string;
  /** Top-level Pixel Data, when the walk reached it. */
  pixelData?: PixelDataElement;
  /** The data set was Deflated: `pixelData.offset` is in the inflated bytes, not in the object. */
  inflated: boolean;
}

/**
 * One pass over a Part-10 object's element headers: the limits above, plus where its Pixel Data
 * is and how long it is, so the receive path parses only the header with dcmjs and checks the
 * pixel length from this walk. Never throws.
 */
export function scanStructure(bytes: Uint8Array, limits: StructureLimits = {}): StructureScan {
  const maxNesting = limits.maxNesting ?? 64;
  const maxInflated = limits.maxInflatedBytes ?? 512 * 1024 * 1024;
  let transferSyntaxUid = '';
  let inflated = false;
  try {
    let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const meta = metaEnd(b);
    if (!meta) return { transferSyntaxUid, inflated }; // not Part 10: the parser refuses it cheaply
    transferSyntaxUid = meta.ts;
    let start = meta.at;
    if (meta.ts === TransferSyntax.DeflatedExplicitVRLittleEndian) {
      try {
        b = inflateRawSync(b.subarray(meta.at), { maxOutputLength: maxInflated });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          return { problem: { code: 'PACS_E_DEFLATE_BOMB', message: `Deflated data set inflates past ${maxInflated} bytes` }, transferSyntaxUid, inflated };
        }
        return { transferSyntaxUid, inflated }; // corrupt deflate stream: the parser reports it
      }
      start = 0;
      inflated = true;
    }
    const walk = walkDataset(b, start, meta.ts !== TransferSyntax.ImplicitVRLittleEndian, meta.ts === TransferSyntax.ExplicitVRBigEndian, maxNesting);
    if (walk.depth > maxNesting) {
      return { problem: { code: 'PACS_E_NESTING', message: `sequences nested deeper than ${maxNesting / 2} levels` }, transferSyntaxUid, inflated };
    }
    return { transferSyntaxUid, pixelData: walk.pixelData, inflated };
  } catch {
    return { transferSyntaxUid, inflated };
  }
}

/** Undefined when the object may be handed to the parser; else why not. Never throws. */
export function checkStructure(bytes: Uint8Array, limits: StructureLimits = {}): StructureProblem | undefined {
  return scanStructure(bytes, limits).problem;
}
