import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPart10, type DicomFile } from '../../src/dicom/part10.js';
import { pixelDataChunks } from '../../src/dicom/pixel-buffer.js';
import { decodeFrames, PixelDecodeError } from '../../src/dicom/pixels.js';
import { renderDicom } from '../../src/render/render-dicom.js';
import { PYDICOM_FILES } from './decode-fixtures.js';

/**
 * Pixel data that does not decode must end in a PixelDecodeError (code + codec message) from the
 * decode/render stage — never another exception, never a crash of the process — so the pipeline
 * can fail that one slice and go on.
 */
const load = (name: string): DicomFile => readPart10(readFileSync(join(PYDICOM_FILES, name)));

function withFragments(file: DicomFile, fragments: Uint8Array[], extra: Record<string, unknown> = {}): DicomFile {
  const buffers = fragments.map((f) => f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  return { ...file, dataset: { ...file.dataset, ...extra, PixelData: buffers } };
}

function firstFragment(file: DicomFile): Uint8Array {
  const chunks = pixelDataChunks(file.dataset.PixelData);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  chunks.reduce((o, c) => (out.set(c, o), o + c.byteLength), 0);
  return out;
}

async function decodeError(file: DicomFile): Promise<PixelDecodeError> {
  const err = await decodeFrames(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PixelDecodeError);
  return err as PixelDecodeError;
}

/** Deterministic xorshift, so a failing corruption can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('corrupt pixel data → PixelDecodeError', () => {
  it('truncated JPEG baseline stream: the codec message, code PACS_E_PIXEL_DECODE', async () => {
    const file = load('SC_rgb_jpeg_dcmtk.dcm');
    const frag = firstFragment(file);
    const err = await decodeError(withFragments(file, [frag.slice(0, 200)]));
    expect(err.code).toBe('PACS_E_PIXEL_DECODE');
    expect(err.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    expect(err.message).toMatch(/^cannot decode JPEG Baseline \(Process 1\): .+/);
    expect(err.dimseStatus).toBe(0xa900);
  });

  it('JPEG-LS stream with garbage after the header', async () => {
    const file = load('MR_small_jpeg_ls_lossless.dcm');
    const frag = firstFragment(file).slice();
    frag.fill(0xff, 40, 41);
    frag.fill(0x00, 41);
    const err = await decodeError(withFragments(file, [frag]));
    expect(err.code).toMatch(/^PACS_E_PIXEL_(DECODE|LENGTH)$/);
  });

  it('JPEG 2000 with a broken codestream (pydicom JPEG2000-embedded-sequence-delimiter.dcm)', async () => {
    const err = await decodeError(load('JPEG2000-embedded-sequence-delimiter.dcm'));
    expect(err.code).toBe('PACS_E_PIXEL_DECODE');
    expect(err.message).toMatch(/JPEG 2000 Image Compression: .*tiles/);
  });

  it('RLE header listing the wrong number of segments, and segment offsets past the end', async () => {
    const file = load('MR_small_RLE.dcm');
    const frag = firstFragment(file).slice();
    const wrongCount = frag.slice();
    new DataView(wrongCount.buffer).setUint32(0, 3, true);
    expect((await decodeError(withFragments(file, [wrongCount]))).message).toMatch(/RLE Lossless: header lists 3 segments, expected 2/);
    const pastEnd = frag.slice();
    new DataView(pastEnd.buffer).setUint32(8, frag.byteLength + 100, true);
    expect((await decodeError(withFragments(file, [pastEnd]))).message).toMatch(/segment 1 has invalid offsets/);
    expect((await decodeError(withFragments(file, [frag.slice(0, 40)]))).message).toMatch(/no 64-byte header/);
  });

  it('native Pixel Data of the wrong length (pydicom MR_truncated.dcm): PACS_E_PIXEL_LENGTH', async () => {
    const err = await decodeError(load('MR_truncated.dcm'));
    expect(err.code).toBe('PACS_E_PIXEL_LENGTH');
    expect(err.message).toMatch(/8130 bytes, expected 8192/);
  });

  it('fragments that do not form Number of Frames frames: PACS_E_PIXEL_LENGTH', async () => {
    const file = load('SC_rgb_jpeg_dcmtk.dcm');
    const err = await decodeError({ ...file, dataset: { ...file.dataset, NumberOfFrames: 3 } });
    expect(err.code).toBe('PACS_E_PIXEL_LENGTH');
  });

  it('unsupported bit depth (Bits Allocated 12) and a photometric / samples mismatch', async () => {
    const file = load('MR_small.dcm');
    const bits12 = await decodeError({ ...file, dataset: { ...file.dataset, BitsAllocated: 12 } });
    expect(bits12).toMatchObject({ code: 'PACS_E_PIXEL_MODULE_INVALID', message: expect.stringMatching(/Bits Allocated 12 is not supported/) });
    const mismatch = await decodeError({ ...file, dataset: { ...file.dataset, PhotometricInterpretation: 'RGB' } });
    expect(mismatch.message).toMatch(/RGB needs 3 samples per pixel/);
    const video = await decodeError({ ...file, transferSyntaxUid: '1.2.840.10008.1.2.4.107' });
    expect(video.message).toMatch(/stored, not processed: HEVC\/H.265 Main Profile/);
  });

  it('the render stage throws the same typed error', async () => {
    await expect(renderDicom(load('MR_truncated.dcm'), 'auto')).rejects.toBeInstanceOf(PixelDecodeError);
    await expect(renderDicom(load('JPEG2000-embedded-sequence-delimiter.dcm'), 'auto')).rejects.toBeInstanceOf(PixelDecodeError);
  });

  it('100 random corruptions of JPEG, JPEG-LS, JPEG 2000 and RLE streams: each decodes or throws PixelDecodeError, and the codecs keep working', async () => {
    const files = ['SC_rgb_jpeg_dcmtk.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm', 'MR_small_RLE.dcm', 'SC_rgb_jpeg_gdcm.dcm'];
    const rand = prng(20261126);
    const outcomes = { decoded: 0, typed: 0 };
    for (let n = 0; n < 100; n++) {
      const name = files[n % files.length];
      const file = load(name);
      const frag = firstFragment(file).slice();
      const mode = n % 3;
      let bad: Uint8Array;
      if (mode === 0) bad = frag.slice(0, 2 + Math.floor(rand() * (frag.length - 2)));
      else if (mode === 1) {
        bad = frag;
        for (let k = 0; k < 8; k++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      } else {
        bad = frag;
        const at = Math.floor(rand() * bad.length);
        bad.fill(Math.floor(rand() * 256), at, Math.min(bad.length, at + 64));
      }
      try {
        const decoded = await decodeFrames(withFragments(file, [bad]));
        expect(decoded.frames).toHaveLength(1);
        outcomes.decoded++;
      } catch (err) {
        expect(err, `${name} corruption #${n}`).toBeInstanceOf(PixelDecodeError);
        outcomes.typed++;
      }
    }
    expect(outcomes.typed).toBeGreaterThan(10);
    // A clean file still decodes after all that: no codec state left broken.
    const good = await decodeFrames(load('MR_small_jp2klossless.dcm'));
    const reference = await decodeFrames(load('MR_small.dcm'));
    expect(Array.from(good.frames[0])).toEqual(Array.from(reference.frames[0]));
  });
});
