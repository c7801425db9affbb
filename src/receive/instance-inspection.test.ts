import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPart10, writePart10, type Dataset } from '../dicom/part10.js';
import { expectedNativePixelBytes, inspectInstance, isAcceptableUid } from './instance-inspection.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const file = (name: string): Buffer => readFileSync(join(PYDICOM, name));

function edited(name: string, edit: (ds: Dataset) => void): Buffer {
  const f = readPart10(file(name));
  const ds = { ...f.dataset };
  edit(ds);
  return writePart10(ds, { transferSyntaxUid: f.transferSyntaxUid });
}

describe('isAcceptableUid', () => {
  it.each(['1.2.840.10008.1.2', '2.25.123', '0', '1.2.03'])('accepts %s', (uid) => expect(isAcceptableUid(uid)).toBe(true));
  it.each(['', '1..2', '.1', '1.', '1.2.a', '../x', '1 2', '1.'.repeat(40) + '1'])('refuses %j', (uid) =>
    expect(isAcceptableUid(uid)).toBe(false),
  );
});

describe('expectedNativePixelBytes (PS3.5 8.1.1)', () => {
  const base = { Rows: 4, Columns: 3, SamplesPerPixel: 1, BitsAllocated: 16 };
  it('multiplies rows, columns, samples, bytes and frames', () => {
    expect(expectedNativePixelBytes(base)).toBe(24);
    expect(expectedNativePixelBytes({ ...base, SamplesPerPixel: 3, BitsAllocated: 8, NumberOfFrames: '2' })).toBe(72);
  });
  it('packs 1-bit data and keeps 2 samples per pixel for YBR_FULL_422', () => {
    expect(expectedNativePixelBytes({ ...base, BitsAllocated: 1, Rows: 3 })).toBe(2);
    expect(expectedNativePixelBytes({ ...base, SamplesPerPixel: 3, BitsAllocated: 8, PhotometricInterpretation: 'YBR_FULL_422' })).toBe(24);
  });
  it('is undefined without the attributes it needs', () => {
    expect(expectedNativePixelBytes({ ...base, Rows: undefined })).toBeUndefined();
    expect(expectedNativePixelBytes({ ...base, NumberOfFrames: null })).toBeUndefined();
  });
});

describe('inspectInstance', () => {
  it('reads the facts of a native file and strips its pixel data from the header', () => {
    const r = inspectInstance(file('CT_small.dcm'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.facts).toMatchObject({
      sopInstanceUid: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      modality: 'CT',
    });
    expect(r.facts.header.PixelData).toBeUndefined();
    expect(r.facts.header.Rows).toBe(128);
  });

  it.each([
    'MR_small_bigendian.dcm',
    'MR_small_implicit.dcm',
    'image_dfl.dcm',
    'liver_1frame.dcm',
    'SC_ybr_full_422_uncompressed.dcm',
    'JPEG2000.dcm',
    'MR_small_RLE.dcm',
  ])('accepts %s', (name) => {
    const r = inspectInstance(file(name));
    expect(r.ok ? 'ok' : r.failure.message).toBe('ok');
  });

  it('checks the data set against the meta header when no C-STORE names the UID (rtplan.dcm disagrees)', () => {
    const uid = '1.2.777.777.77.7.7777.7777.20030903150023';
    const alone = inspectInstance(file('rtplan.dcm'));
    expect(alone.ok ? undefined : alone.failure).toMatchObject({ code: 'PACS_E_SOP_INSTANCE_MISMATCH', sopInstanceUid: uid });
    const withRequest = inspectInstance(file('rtplan.dcm'), { sopInstanceUid: uid });
    expect(withRequest.ok).toBe(true);
  });

  it('accepts one pad byte after odd-length pixel data', () => {
    const bytes = edited('MR_small.dcm', (ds) => {
      ds.Rows = 63;
      ds.Columns = 65;
      ds.BitsAllocated = 8;
      ds.BitsStored = 8;
      ds.HighBit = 7;
      ds.PixelData = [new ArrayBuffer(63 * 65 + 1)];
    });
    expect(inspectInstance(bytes).ok).toBe(true);
  });

  it('refuses pixel data one frame short of Number of Frames', () => {
    const bytes = edited('MR_small.dcm', (ds) => {
      ds.NumberOfFrames = 2;
    });
    const r = inspectInstance(bytes);
    expect(r.ok ? undefined : r.failure).toMatchObject({ code: 'PACS_E_PIXEL_LENGTH', dimseStatus: 0xa900 });
  });

  it('refuses a native object cut short inside its Pixel Data', () => {
    const mr = edited('MR_small.dcm', () => undefined);
    expect(inspectInstance(mr).ok).toBe(true);
    expect(inspectInstance(mr.subarray(0, mr.length - 1000)).ok).toBe(false);
  });

  it('parses a native object whole when elements follow its Pixel Data (CT_small), and still checks the length', () => {
    const ok = inspectInstance(file('CT_small.dcm'));
    expect(ok.ok ? ok.facts.header.PixelData : 'refused').toBeUndefined();
    const padding = Buffer.from([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    const short = edited('MR_small.dcm', (ds) => {
      ds.NumberOfFrames = 2;
    });
    const r = inspectInstance(Buffer.concat([short, padding]));
    expect(r.ok ? undefined : r.failure).toMatchObject({ code: 'PACS_E_PIXEL_LENGTH' });
  });

  it('refuses a malformed UID with 0xA900', () => {
    const bytes = edited('CT_small.dcm', (ds) => {
      ds.StudyInstanceUID = '1.2..3';
    });
    const r = inspectInstance(bytes);
    expect(r.ok ? undefined : r.failure).toMatchObject({ code: 'PACS_E_INVALID_UID', dimseStatus: 0xa900 });
  });

  it('refuses a file whose meta header lacks the transfer syntax with 0xC000', () => {
    const r = inspectInstance(file('meta_missing_tsyntax.dcm'));
    expect(r.ok ? undefined : r.failure.dimseStatus).toBe(0xc000);
  });
});

describe('inspectInstance on shared memory (where the C-STORE listener collects a data set)', () => {
  const onSharedMemory = (bytes: Buffer): Buffer => {
    const shared = Buffer.from(new SharedArrayBuffer(bytes.length));
    bytes.copy(shared);
    return shared;
  };

  it.each([
    ['CT_small.dcm: Data Set Trailing Padding after Pixel Data, parsed whole', file('CT_small.dcm')],
    ['MR_small.dcm', file('MR_small.dcm')],
    ['chrH31.dcm: ISO 2022 (Japanese) text', readFileSync(pydicomData('charset_files', 'chrH31.dcm'))],
    ['chrKoreanMulti.dcm: ISO 2022 (Korean) text', readFileSync(pydicomData('charset_files', 'chrKoreanMulti.dcm'))],
  ])('%s: the same verdict as on ordinary memory', (_name, bytes) => {
    // Binary values come out as SharedArrayBuffer copies there: compared by their bytes.
    const comparable = (i: unknown): string =>
      JSON.stringify(i, (_k, v: unknown) => (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer ? Buffer.from(new Uint8Array(v)).toString('hex') : v));
    const plain = inspectInstance(new Uint8Array(bytes));
    expect(plain.ok).toBe(true);
    expect(comparable(inspectInstance(onSharedMemory(bytes)))).toBe(comparable(plain));
  });

  it('still refuses Pixel Data of the wrong length', () => {
    const short = edited('CT_small.dcm', (ds) => (ds.Rows = 130));
    expect(inspectInstance(onSharedMemory(short))).toMatchObject({ ok: false, failure: { code: 'PACS_E_PIXEL_LENGTH' } });
  });
});
