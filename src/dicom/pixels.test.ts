import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError } from '../shared/errors.js';
import { readPart10 } from './part10.js';
import { decodeFrames, expectedPixelBytes, PixelDecodeError, readPixelModule, type PixelArray } from './pixels.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const TEST_FILES = pydicomData('test_files');

function load(name: string) {
  return readPart10(readFileSync(`${TEST_FILES}/${name}`));
}

/** Every pixel of a file as pydicom decodes it (an independent decoder), flattened. */
function pydicomPixels(name: string): number[] {
  const script = [
    'import sys, json, warnings, pydicom',
    'warnings.simplefilter("ignore")',
    'd = pydicom.dcmread(sys.argv[1])',
    'print(json.dumps(d.pixel_array.ravel().tolist()))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, `${TEST_FILES}/${name}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pydicom failed on ${name}: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

function flat(frames: PixelArray[]): number[] {
  return frames.flatMap((f) => Array.from(f));
}

describe('readPixelModule', () => {
  it('reads the Image Pixel module of CT_small', () => {
    const pm = readPixelModule(load('CT_small.dcm').dataset);
    expect(pm).toEqual({
      Rows: 128,
      Columns: 128,
      SamplesPerPixel: 1,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      PlanarConfiguration: 0,
      NumberOfFrames: 1,
    });
    expect(expectedPixelBytes(pm)).toBe(32768);
  });

  it('rejects a data set without Rows with 0xA900', () => {
    const ds = { ...load('MR_small.dcm').dataset };
    delete ds.Rows;
    try {
      readPixelModule(ds);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConformanceError);
      expect((err as ConformanceError).code).toBe('PACS_E_PIXEL_MODULE_MISSING');
      expect((err as ConformanceError).dimseStatus).toBe(0xa900);
    }
  });

  it('rejects impossible combinations', () => {
    const ds = load('MR_small.dcm').dataset;
    expect(() => readPixelModule({ ...ds, BitsStored: 17 })).toThrow(/Bits Stored 17/);
    expect(() => readPixelModule({ ...ds, SamplesPerPixel: 3 })).toThrow(/needs 1 samples/);
    expect(() => readPixelModule({ ...ds, PhotometricInterpretation: 'CMYK' })).toThrow(/not supported/);
  });

  it('counts 1-bit and YBR_FULL_422 sizes', () => {
    const base = readPixelModule(load('MR_small.dcm').dataset);
    expect(expectedPixelBytes({ ...base, BitsAllocated: 1, BitsStored: 1, HighBit: 0, NumberOfFrames: 3, Rows: 3, Columns: 3 })).toBe(4);
    expect(
      expectedPixelBytes({ ...base, BitsAllocated: 8, BitsStored: 8, HighBit: 7, SamplesPerPixel: 3, PhotometricInterpretation: 'YBR_FULL_422' }),
    ).toBe(64 * 64 * 2);
  });
});

describe('decodeFrames', () => {
  it('decodes CT_small to the values pydicom reports', async () => {
    const img = await decodeFrames(load('CT_small.dcm'));
    const f = img.frames[0];
    expect(f).toBeInstanceOf(Int16Array);
    // Values verified with pydicom 2.3.1: pixel_array[0,0], [64,64], [127,127], [10,100].
    expect([f[0], f[64 * 128 + 64], f[127 * 128 + 127], f[10 * 128 + 100]]).toEqual([175, 1928, 909, 1227]);
    expect(flat(img.frames)).toEqual(pydicomPixels('CT_small.dcm'));
  });

  it('decodes every MR_small variant (implicit, explicit LE/BE, padded, RLE, JPEG-LS, J2K) identically', async () => {
    const reference = await decodeFrames(load('MR_small.dcm'));
    expect(reference.frames[0][0]).toBe(905); // pydicom pixel_array[0,0]
    for (const name of [
      'MR_small_implicit.dcm',
      'MR_small_bigendian.dcm',
      'MR_small_expb.dcm',
      'MR_small_padded.dcm',
      'MR_small_RLE.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_jp2klossless.dcm',
    ]) {
      const img = await decodeFrames(load(name));
      expect(Array.from(img.frames[0]), name).toEqual(Array.from(reference.frames[0]));
    }
    expect((await decodeFrames(load('MR_small_padded.dcm'))).ignoredTrailingBytes).toBe(128);
  });

  it('decodes a deflated file (inflated by dcmjs) like pydicom', async () => {
    const img = await decodeFrames(load('image_dfl.dcm'));
    expect(img.frames[0]).toBeInstanceOf(Uint8Array);
    expect(flat(img.frames)).toEqual(pydicomPixels('image_dfl.dcm'));
  });

  it('decodes big-endian planar RGB to interleaved samples', async () => {
    const img = await decodeFrames(load('ExplVR_BigEnd.dcm'));
    expect(img.sourcePixelModule.PlanarConfiguration).toBe(1);
    expect(img.pixelModule.PlanarConfiguration).toBe(0);
    expect(flat(img.frames)).toEqual(pydicomPixels('ExplVR_BigEnd.dcm'));
  });

  it('upsamples uncompressed YBR_FULL_422 to full YBR', async () => {
    const img = await decodeFrames(load('SC_ybr_full_422_uncompressed.dcm'));
    expect(img.pixelModule.PhotometricInterpretation).toBe('YBR_FULL');
    expect(flat(img.frames)).toEqual(pydicomPixels('SC_ybr_full_422_uncompressed.dcm'));
  });

  it('decodes 32-bit RGB RLE with two frames (beyond dcmjs-codecs) like pydicom', async () => {
    const img = await decodeFrames(load('SC_rgb_rle_32bit_2frame.dcm'));
    expect(img.frames).toHaveLength(2);
    expect(img.frames[0]).toBeInstanceOf(Uint32Array);
    expect(flat(img.frames)).toEqual(pydicomPixels('SC_rgb_rle_32bit_2frame.dcm'));
  });

  it('decodes multi-frame 32-bit dose grids from big endian and RLE alike', async () => {
    const reference = flat((await decodeFrames(load('rtdose.dcm'))).frames);
    expect(reference).toHaveLength(15 * 10 * 10);
    expect(reference[0]).toBe(1249000); // pydicom pixel_array[0,0,0]
    expect(flat((await decodeFrames(load('rtdose_expb.dcm'))).frames)).toEqual(reference);
    expect(flat((await decodeFrames(load('rtdose_rle.dcm'))).frames)).toEqual(reference);
  });

  it('decodes JPEG YBR colour through dcmjs-codecs to RGB', async () => {
    const img = await decodeFrames(load('SC_rgb_dcmtk_+eb+cy+np.dcm'));
    expect(img.pixelModule.PhotometricInterpretation).toBe('RGB');
    const f = img.frames[0];
    expect(f).toHaveLength(100 * 100 * 3);
    // Top band is red (lossy: within a few levels of 255,0,0).
    expect(Math.abs(f[0] - 255)).toBeLessThanOrEqual(3);
    expect(f[1]).toBeLessThanOrEqual(3);
  });

  it('sign-extends 14-bit stored values from JPEG 2000 like pydicom', async () => {
    const img = await decodeFrames(load('693_J2KI.dcm'));
    const ours = flat(img.frames);
    const theirs = pydicomPixels('693_J2KI.dcm');
    expect(ours.length).toBe(theirs.length);
    // Lossy J2K: both decoders use OpenJPEG, so the values agree.
    expect(ours).toEqual(theirs);
  });

  it('throws a clear PACS_E_PIXEL_LENGTH error for MR_truncated', async () => {
    await expect(decodeFrames(load('MR_truncated.dcm'))).rejects.toMatchObject({
      code: 'PACS_E_PIXEL_LENGTH',
      dimseStatus: 0xa900,
      message: expect.stringMatching(/8130 bytes, expected 8192/),
    });
  });

  it('rejects pixel data longer than Number of Frames allows', async () => {
    const file = load('MR_small.dcm');
    const doubled = new Uint8Array(16384);
    await expect(decodeFrames({ ...file, dataset: { ...file.dataset, PixelData: [doubled.buffer] } })).rejects.toThrow(
      /Number of Frames is probably wrong/,
    );
  });

  it('refuses a video transfer syntax with PixelDecodeError "stored, not processed"', async () => {
    const file = load('MR_small.dcm');
    const video = { ...file, transferSyntaxUid: '1.2.840.10008.1.2.4.102', dataset: { ...file.dataset, PixelData: [new ArrayBuffer(0), new ArrayBuffer(8)] } };
    const err = await decodeFrames(video).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PixelDecodeError);
    expect(err).toMatchObject({ code: 'PACS_E_TRANSFER_SYNTAX_UNSUPPORTED', transferSyntaxUid: '1.2.840.10008.1.2.4.102' });
    expect((err as Error).message).toMatch(/stored, not processed: MPEG-4 AVC\/H.264 High Profile/);
  });

  it('decodes 8-bit JPEG Extended (made by dcmcjpeg +ee) within ±2 of DCMTK dcmdjpeg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jpeg-ext-'));
    try {
      const le = join(dir, 'le.dcm');
      const ext = join(dir, 'ext.dcm');
      const back = join(dir, 'back.dcm');
      for (const [cmd, args] of [
        ['dcmconv', ['+te', `${TEST_FILES}/image_dfl.dcm`, le]],
        ['dcmcjpeg', ['+ee', le, ext]],
        ['dcmdjpeg', [ext, back]],
      ] as const) {
        expect(spawnSync(cmd, args).status, cmd).toBe(0);
      }
      const file = readPart10(readFileSync(ext));
      expect(file.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.51');
      const ours = (await decodeFrames(file)).frames[0];
      const dcmtk = (await decodeFrames(readPart10(readFileSync(back)))).frames[0];
      expect(ours.length).toBe(512 * 512);
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - dcmtk[i]));
      expect(maxDiff).toBeLessThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unpacks 1-bit frames that start mid-byte and masks Bits Stored', async () => {
    const file = load('MR_small.dcm');
    const bitmap = {
      ...file.dataset,
      Rows: 3,
      Columns: 3,
      BitsAllocated: 1,
      BitsStored: 1,
      HighBit: 0,
      PixelRepresentation: 0,
      NumberOfFrames: 2,
      PixelData: [new Uint8Array([0b10101011, 0b11110110, 0b00000010]).buffer],
    };
    const img = await decodeFrames({ ...file, dataset: bitmap });
    expect(Array.from(img.frames[0])).toEqual([1, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(img.frames[1])).toEqual([1, 1, 0, 1, 1, 1, 1, 0, 1]);

    const twelve = new Uint16Array([0xf800, 0x07ff, 0xf0ff]); // high nibble = overlay garbage
    const masked = await decodeFrames({
      ...file,
      dataset: { ...file.dataset, Rows: 1, Columns: 3, BitsStored: 12, HighBit: 11, PixelRepresentation: 1, PixelData: [twelve.buffer] },
    });
    expect(Array.from(masked.frames[0])).toEqual([-2048, 2047, 255]);
  });
});
