/**
 * Seeded mutations of valid DICOM Part-10 files for the hostile-input tests: bit flips,
 * truncation, wrong and huge declared lengths, bad VRs, deeply nested sequences, garbage.
 * Deterministic: the same seed gives the same corpus.
 */
import { randInt, seededRandom } from './seeded.js';

export interface Mutant {
  name: string;
  bytes: Buffer;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

interface ElementHeader {
  offset: number;
  /** Offset and size of the length field. */
  lengthAt: number;
  lengthSize: 2 | 4;
  /** Offset of the VR (explicit VR only). */
  vrAt?: number;
}

/** Offset of the data set after the 128-byte preamble, "DICM" and the group-2 meta elements. */
export function datasetOffset(file: Buffer): number {
  let o = 132;
  while (o + 8 <= file.length && file.readUInt16LE(o) === 0x0002) {
    const vr = file.toString('latin1', o + 4, o + 6);
    o += LONG_VRS.has(vr) ? 12 + file.readUInt32LE(o + 8) : 8 + file.readUInt16LE(o + 6);
  }
  return o;
}

/** Top-level element headers of a little-endian data set (stops at an undefined length). */
export function elementHeaders(file: Buffer, explicit: boolean): ElementHeader[] {
  const out: ElementHeader[] = [];
  let o = datasetOffset(file);
  while (o + 8 <= file.length && out.length < 400) {
    if (explicit) {
      const vr = file.toString('latin1', o + 4, o + 6);
      if (LONG_VRS.has(vr)) {
        const len = file.readUInt32LE(o + 8);
        out.push({ offset: o, lengthAt: o + 8, lengthSize: 4, vrAt: o + 4 });
        if (len === 0xffffffff) break;
        o += 12 + len;
      } else {
        out.push({ offset: o, lengthAt: o + 6, lengthSize: 2, vrAt: o + 4 });
        o += 8 + file.readUInt16LE(o + 6);
      }
    } else {
      const len = file.readUInt32LE(o + 4);
      out.push({ offset: o, lengthAt: o + 4, lengthSize: 4 });
      if (len === 0xffffffff) break;
      o += 8 + len;
    }
  }
  return out;
}

/** A data set of `depth` nested undefined-length sequences (Referenced Series Sequence, items). */
export function nestedSequences(depth: number, explicit = true): Buffer {
  const sq = explicit ? [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff] : [0x08, 0x00, 0x15, 0x11, 0xff, 0xff, 0xff, 0xff];
  const open = Buffer.from([...sq, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
}

type Operator = (src: Buffer, rnd: () => number, explicit: boolean) => Buffer;

const operators: Record<string, Operator> = {
  bitflip: (src, rnd) => {
    const b = Buffer.from(src);
    const n = 1 + randInt(rnd, 16);
    for (let i = 0; i < n; i++) {
      const at = 132 + randInt(rnd, b.length - 132);
      b[at] = b[at]! ^ (1 << randInt(rnd, 8));
    }
    return b;
  },
  truncate: (src, rnd) => src.subarray(0, randInt(rnd, src.length)),
  wrongLength: (src, rnd, explicit) => {
    const b = Buffer.from(src);
    const hs = elementHeaders(b, explicit);
    const h = hs[randInt(rnd, hs.length)];
    if (!h) return b;
    const choices = [0, 1, 3, 0x7fff, 0xfffe, 0xffff, b.length, b.length * 2 + 1];
    const v = choices[randInt(rnd, choices.length)]!;
    if (h.lengthSize === 2) b.writeUInt16LE(v & 0xffff, h.lengthAt);
    else b.writeUInt32LE(v, h.lengthAt);
    return b;
  },
  hugeLength: (src, rnd, explicit) => {
    const b = Buffer.from(src);
    const hs = elementHeaders(b, explicit).filter((h) => h.lengthSize === 4);
    const h = hs[randInt(rnd, hs.length)];
    if (!h) return b;
    const huge = [0xfffffff0, 0xfffffffe, 0x80000000, 0x7fffffff, 0x40000000];
    b.writeUInt32LE(huge[randInt(rnd, huge.length)]!, h.lengthAt);
    return b;
  },
  badVr: (src, rnd, explicit) => {
    const b = Buffer.from(src);
    const hs = elementHeaders(b, explicit).filter((h) => h.vrAt !== undefined);
    const h = hs[randInt(rnd, hs.length)];
    if (!h || h.vrAt === undefined) return operators.bitflip!(src, rnd, explicit);
    const vrs = ['ZZ', '\0\0', 'ob', 'SQ', 'UN', 'OB', 'US', 'FD', '??'];
    b.write(vrs[randInt(rnd, vrs.length)]!, h.vrAt, 'latin1');
    return b;
  },
  nested: (src, rnd, explicit) => {
    const at = datasetOffset(src);
    const depth = [10, 50, 500, 5000][randInt(rnd, 4)]!;
    return Buffer.concat([src.subarray(0, at), nestedSequences(depth, explicit), src.subarray(at)]);
  },
  /** Sequences encoded in the other VR form than the transfer syntax says. */
  mismatchedNesting: (src, rnd, explicit) => {
    const at = datasetOffset(src);
    return Buffer.concat([src.subarray(0, at), nestedSequences(10 + randInt(rnd, 100), !explicit), src.subarray(at)]);
  },
  splice: (src, rnd) => {
    const a = 132 + randInt(rnd, src.length - 132);
    const len = randInt(rnd, 256);
    return Buffer.concat([src.subarray(0, a), src.subarray(a + len), src.subarray(a, a + len), src.subarray(a)]);
  },
  garbageTail: (src, rnd) => {
    const at = datasetOffset(src) + randInt(rnd, src.length - datasetOffset(src));
    const junk = Buffer.alloc(1 + randInt(rnd, 512));
    for (let i = 0; i < junk.length; i++) junk[i] = randInt(rnd, 256);
    return Buffer.concat([src.subarray(0, at), junk]);
  },
};

export const OPERATORS = Object.keys(operators);

/** `count` mutants of the seeds, round-robin over seeds and operators. */
export function mutate(seeds: Array<{ name: string; bytes: Buffer; explicit: boolean }>, count: number, seed = 1): Mutant[] {
  const rnd = seededRandom(seed);
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const s = seeds[i % seeds.length]!;
    const op = OPERATORS[Math.floor(i / seeds.length) % OPERATORS.length]!;
    out.push({ name: `${s.name}#${op}#${i}`, bytes: operators[op]!(s.bytes, rnd, s.explicit) });
  }
  return out;
}
