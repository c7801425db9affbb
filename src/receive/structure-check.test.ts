import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkStructure, scanStructure } from './structure-check.js';
import { pydicomTestFile } from '../../test/helpers/debian-fixtures.js';

const CT = readFileSync(pydicomTestFile('CT_small.dcm'));
const NESTED = readFileSync(pydicomTestFile('nested_priv_SQ.dcm'));

/** Meta header of CT_small with its Transfer Syntax UID replaced (same even length padded). */
function metaWithTs(ts: string): Buffer {
  const meta = Buffer.from(CT.subarray(0, 132));
  const elements: Buffer[] = [];
  const el = (element: number, vr: string, value: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(2, 0);
    h.writeUInt16LE(element, 2);
    h.write(vr, 4, 'latin1');
    h.writeUInt16LE(value.length, 6);
    return Buffer.concat([h, value]);
  };
  const uid = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');
  elements.push(el(0x0010, 'UI', uid(ts)));
  return Buffer.concat([meta, ...elements]);
}

function nested(depth: number, explicit = true): Buffer {
  const sq = explicit ? [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff] : [0x08, 0x00, 0x15, 0x11, 0xff, 0xff, 0xff, 0xff];
  const open = Buffer.from([...sq, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
}

describe('checkStructure', () => {
  it('passes real files, including nested private sequences', () => {
    expect(checkStructure(CT)).toBeUndefined();
    expect(checkStructure(NESTED)).toBeUndefined();
  });

  it('refuses sequences nested deeper than the limit, in explicit and implicit VR', () => {
    const explicit = Buffer.concat([metaWithTs('1.2.840.10008.1.2.1'), nested(40)]);
    expect(checkStructure(explicit)).toMatchObject({ code: 'PACS_E_NESTING' });
    expect(checkStructure(Buffer.concat([metaWithTs('1.2.840.10008.1.2.1'), nested(20)]))).toBeUndefined();
    const implicit = Buffer.concat([metaWithTs('1.2.840.10008.1.2'), nested(40, false)]);
    expect(checkStructure(implicit)).toMatchObject({ code: 'PACS_E_NESTING' });
  });

  it('refuses a Deflated data set that inflates past the limit, without inflating it whole', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    const file = Buffer.concat([metaWithTs('1.2.840.10008.1.2.1.99'), bomb]);
    expect(checkStructure(file, { maxInflatedBytes: 1024 * 1024 })).toMatchObject({ code: 'PACS_E_DEFLATE_BOMB' });
  });

  it('never throws on garbage or truncated input', () => {
    for (let n = 0; n < CT.length; n += 97) expect(() => checkStructure(CT.subarray(0, n))).not.toThrow();
    expect(checkStructure(Buffer.alloc(10))).toBeUndefined();
  });
});

describe('scanStructure: where the top-level Pixel Data is, from the same walk', () => {
  // CT_small: 128 × 128 × 16-bit native pixel data, followed by 138 bytes of private elements.
  const PIXEL_BYTES = 128 * 128 * 2;
  const AT = 6288;
  const ENDING_IN_PIXELS = CT.subarray(0, AT + 12 + PIXEL_BYTES);

  it('locates complete Pixel Data that ends the object', () => {
    const scan = scanStructure(ENDING_IN_PIXELS);
    expect(scan.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(scan.pixelData).toEqual({ offset: AT, declaredLength: PIXEL_BYTES, presentLength: PIXEL_BYTES, last: true });
    // Its element header: (7FE0,0010) OW.
    expect(CT.readUInt32LE(AT)).toBe(0x00107fe0);
  });

  it('tells an object cut short inside its Pixel Data', () => {
    const scan = scanStructure(ENDING_IN_PIXELS.subarray(0, ENDING_IN_PIXELS.length - 100));
    expect(scan.pixelData).toMatchObject({ declaredLength: PIXEL_BYTES, presentLength: PIXEL_BYTES - 100, last: false });
  });

  it('tells Pixel Data followed by other elements (it is then not the end of the object)', () => {
    expect(scanStructure(CT).pixelData).toMatchObject({ offset: AT, presentLength: PIXEL_BYTES, last: false });
  });

  it('leaves encapsulated Pixel Data with an undefined length', () => {
    const jpeg = readFileSync(pydicomTestFile('JPEG2000.dcm'));
    expect(scanStructure(jpeg).pixelData).toMatchObject({ declaredLength: undefined, last: false });
  });
});
