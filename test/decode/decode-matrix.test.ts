import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { decodeFrames, type DecodedImage } from '../../src/dicom/pixels.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { paletteToRgb, readPalette, rgbToBytes, ybrFullToRgb, ybrRctToRgb } from '../../src/render/colour.js';
import {
  buildInput,
  inputPath,
  makeFixtures,
  pydicomReference,
  referenceNative,
  type Input,
  type Reference,
  type ReferencePixels,
} from './decode-fixtures.js';

/**
 * The decode matrix: every transfer syntax × photometric interpretation × bit depth the node
 * decodes, each checked against an independent decoder — DCMTK (dcmdjpeg, dcmdjpls, dcmdrle),
 * GDCM (gdcmconv --raw) or, for HTJ2K, OpenJPEG's opj_decompress decompresses, pydicom/numpy reads
 * the native result. Lossless rows must match exactly; lossy rows allow a stated tolerance (the
 * codecs' IDCT / wavelet implementations differ). Inputs are pydicom's test files plus files made
 * here from them (make_fixtures.py, then DCMTK / GDCM / our dcmjs-codecs encoder).
 */
interface Row {
  syntax: keyof typeof TransferSyntax;
  photometric: string;
  bits: string;
  input: Input;
  reference: Reference;
  /** Lossy: largest allowed |ours − reference| per sample and mean over all samples. */
  tolerance?: { max: number; mean: number };
  frames?: number;
  /**
   * What the reference decoder's samples really are when the header says otherwise: GDCM wrote
   * SC_rgb_jpeg_lossy_gdcm.dcm as RGB around a JFIF (YCbCr) stream; DCMTK and GDCM return the
   * YCbCr samples unconverted, libjpeg-turbo (dcmjs-codecs) converts per JFIF to true RGB.
   */
  referenceIs?: string;
}

const px = (pydicom: string): Input => ({ pydicom });
const fx = (fixture: string): Input => ({ fixture });
const dcmtk = (make: string, tool: 'dcmcjpeg' | 'dcmcjpls' | 'dcmcrle', from: Input, ...args: string[]): Input => ({ make, tool, from, args });
const gdcm = (make: string, from: Input, ...args: string[]): Input => ({ make, tool: 'gdcmconv', from, args });
const ours = (make: string, from: Input, ts: string): Input => ({ make, tool: 'encodePart10', from, args: [ts] });

const mono8u = fx('mono8u.dcm');
const mono12u = fx('mono12u.dcm');
const rgb0 = fx('rgb_planar0.dcm');
const ct = px('CT_small.dcm');
const gdcmLossyRgb = gdcm('j2k_lossy_rgb.dcm', rgb0, '--j2k', '--lossy', '-q', '40');

export const MATRIX: Row[] = [
  // native
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '16 signed', input: ct, reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '16 unsigned', input: fx('mono16u.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '12/16 unsigned', input: mono12u, reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '12/16 signed', input: fx('mono12s.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '8 unsigned', input: mono8u, reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '8 signed', input: fx('mono8s.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME1', bits: '16 unsigned', input: px('dicomdirtests/77654033/CR1/6154'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '1 (SEG)', input: px('liver_1frame.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'RGB', bits: '8, planar 0', input: rgb0, reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'RGB', bits: '8, planar 1', input: fx('rgb_planar1.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'YBR_FULL', bits: '8', input: fx('ybr_full.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'YBR_FULL_422', bits: '8', input: px('SC_ybr_full_422_uncompressed.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'PALETTE COLOR', bits: '8 → 16-bit LUT', input: fx('palette.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRLittleEndian', photometric: 'PALETTE COLOR', bits: '8 → segmented LUT', input: fx('palette_segmented.dcm'), reference: 'pydicom' },
  { syntax: 'ImplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '16 signed', input: px('MR_small_implicit.dcm'), reference: 'pydicom' },
  { syntax: 'ImplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '32 unsigned, 15 frames', input: px('rtdose.dcm'), reference: 'pydicom', frames: 15 },
  { syntax: 'ExplicitVRBigEndian', photometric: 'MONOCHROME2', bits: '16 signed', input: px('MR_small_bigendian.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRBigEndian', photometric: 'RGB', bits: '8', input: px('ExplVR_BigEnd.dcm'), reference: 'pydicom' },
  { syntax: 'ExplicitVRBigEndian', photometric: 'MONOCHROME2', bits: '32 unsigned, 15 frames', input: px('rtdose_expb.dcm'), reference: 'pydicom', frames: 15 },
  { syntax: 'DeflatedExplicitVRLittleEndian', photometric: 'MONOCHROME2', bits: '8 unsigned', input: px('image_dfl.dcm'), reference: 'pydicom' },
  // RLE
  { syntax: 'RleLossless', photometric: 'MONOCHROME2', bits: '16 signed', input: px('MR_small_RLE.dcm'), reference: 'dcmdrle' },
  { syntax: 'RleLossless', photometric: 'MONOCHROME2', bits: '32 unsigned, 15 frames', input: px('rtdose_rle.dcm'), reference: 'dcmdrle', frames: 15 },
  { syntax: 'RleLossless', photometric: 'MONOCHROME2', bits: '8 signed (dcmcrle)', input: dcmtk('rle_mono8s.dcm', 'dcmcrle', fx('mono8s.dcm')), reference: { original: fx('mono8s.dcm') } },
  { syntax: 'RleLossless', photometric: 'RGB', bits: '8, 2 frames', input: px('SC_rgb_rle_2frame.dcm'), reference: 'dcmdrle', frames: 2 },
  { syntax: 'RleLossless', photometric: 'RGB', bits: '16', input: px('SC_rgb_rle_16bit.dcm'), reference: 'dcmdrle' },
  { syntax: 'RleLossless', photometric: 'RGB', bits: '32, 2 frames', input: px('SC_rgb_rle_32bit_2frame.dcm'), reference: 'dcmdrle', frames: 2 },
  { syntax: 'RleLossless', photometric: 'PALETTE COLOR', bits: '8 (dcmcrle)', input: dcmtk('rle_palette.dcm', 'dcmcrle', fx('palette.dcm')), reference: { original: fx('palette.dcm') } },
  // JPEG baseline (lossy): libjpeg-turbo in dcmjs-codecs vs DCMTK's IJG libjpeg / GDCM
  { syntax: 'JpegBaseline', photometric: 'YBR_FULL', bits: '8', input: px('SC_rgb_jpeg_dcmtk.dcm'), reference: 'dcmdjpeg', tolerance: { max: 3, mean: 0.5 } },
  { syntax: 'JpegBaseline', photometric: 'YBR_FULL_422', bits: '8', input: px('SC_rgb_dcmtk_+eb+cy+np.dcm'), reference: 'dcmdjpeg', tolerance: { max: 3, mean: 0.5 } },
  { syntax: 'JpegBaseline', photometric: 'YBR_FULL_422', bits: '8 (4:2:2 s2)', input: px('SC_rgb_dcmtk_+eb+cy+s2.dcm'), reference: 'dcmdjpeg', tolerance: { max: 3, mean: 0.5 } },
  { syntax: 'JpegBaseline', photometric: 'RGB', bits: '8', input: px('SC_rgb_dcmtk_+eb+cr.dcm'), reference: 'dcmdjpeg', tolerance: { max: 3, mean: 0.5 } },
  { syntax: 'JpegBaseline', photometric: 'RGB', bits: '8 (GDCM)', input: px('SC_rgb_jpeg_lossy_gdcm.dcm'), reference: 'gdcmconv', referenceIs: 'YBR_FULL', tolerance: { max: 3, mean: 0.5 } },
  { syntax: 'JpegBaseline', photometric: 'MONOCHROME2', bits: '8 unsigned', input: dcmtk('jpeg_b_mono8.dcm', 'dcmcjpeg', mono8u, '+eb'), reference: 'dcmdjpeg', tolerance: { max: 2, mean: 0.5 } },
  // JPEG Extended: handed to the codec as baseline (SOF1)
  { syntax: 'JpegExtended', photometric: 'MONOCHROME2', bits: '12/16 unsigned', input: px('JPGExtended.dcm'), reference: 'dcmdjpeg', tolerance: { max: 2, mean: 0.5 } },
  { syntax: 'JpegExtended', photometric: 'MONOCHROME2', bits: '8 unsigned', input: dcmtk('jpeg_e_mono8.dcm', 'dcmcjpeg', mono8u, '+ee'), reference: 'dcmdjpeg', tolerance: { max: 2, mean: 0.5 } },
  // JPEG lossless
  { syntax: 'JpegLossless', photometric: 'MONOCHROME2', bits: '16 signed, predictor 6', input: dcmtk('jpeg_57_ct.dcm', 'dcmcjpeg', ct, '+el', '+sv', '6'), reference: { original: ct } },
  { syntax: 'JpegLossless', photometric: 'RGB', bits: '8, predictor 7', input: dcmtk('jpeg_57_rgb.dcm', 'dcmcjpeg', rgb0, '+el', '+sv', '7'), reference: { original: rgb0 } },
  { syntax: 'JpegLosslessSv1', photometric: 'MONOCHROME2', bits: '12/16 unsigned', input: dcmtk('jpeg_70_mono12.dcm', 'dcmcjpeg', mono12u, '+e1'), reference: 'dcmdjpeg' },
  { syntax: 'JpegLosslessSv1', photometric: 'RGB', bits: '8 (GDCM)', input: px('SC_rgb_jpeg_gdcm.dcm'), reference: 'dcmdjpeg' },
  // JPEG-LS
  { syntax: 'JpegLsLossless', photometric: 'MONOCHROME2', bits: '16 signed', input: px('MR_small_jpeg_ls_lossless.dcm'), reference: 'dcmdjpls' },
  { syntax: 'JpegLsLossless', photometric: 'RGB', bits: '8', input: dcmtk('jpls_rgb.dcm', 'dcmcjpls', rgb0), reference: { original: rgb0 } },
  { syntax: 'JpegLsNearLossless', photometric: 'MONOCHROME2', bits: '12/16 unsigned, NEAR 2', input: dcmtk('jpls_near.dcm', 'dcmcjpls', mono12u, '+en'), reference: 'dcmdjpls', tolerance: { max: 0, mean: 0 } },
  { syntax: 'JpegLsNearLossless', photometric: 'MONOCHROME2', bits: '12/16 unsigned, NEAR 2 vs source', input: dcmtk('jpls_near.dcm', 'dcmcjpls', mono12u, '+en'), reference: { original: mono12u }, tolerance: { max: 2, mean: 2 } },
  // JPEG 2000 (OpenJPEG in dcmjs-codecs vs GDCM's OpenJPEG)
  { syntax: 'Jpeg2000Lossless', photometric: 'MONOCHROME2', bits: '16 signed', input: px('MR_small_jp2klossless.dcm'), reference: 'gdcmconv' },
  { syntax: 'Jpeg2000Lossless', photometric: 'YBR_RCT', bits: '8', input: px('GDCMJ2K_TextGBR.dcm'), reference: 'gdcmconv' },
  { syntax: 'Jpeg2000Lossless', photometric: 'RGB', bits: '8 (GDCM)', input: gdcm('j2k_rgb.dcm', rgb0, '--j2k'), reference: { original: rgb0 } },
  { syntax: 'Jpeg2000', photometric: 'MONOCHROME2', bits: '16 signed', input: px('JPEG2000.dcm'), reference: 'gdcmconv', tolerance: { max: 1, mean: 0.1 } },
  { syntax: 'Jpeg2000', photometric: 'MONOCHROME2', bits: '14/16 signed', input: px('693_J2KI.dcm'), reference: 'gdcmconv', tolerance: { max: 1, mean: 0.1 } },
  { syntax: 'Jpeg2000', photometric: 'RGB', bits: '8', input: px('SC_rgb_gdcm_KY.dcm'), reference: 'gdcmconv', tolerance: { max: 1, mean: 0.1 } },
  { syntax: 'Jpeg2000', photometric: 'RGB', bits: '8 (GDCM lossy)', input: gdcmLossyRgb, reference: 'gdcmconv', tolerance: { max: 1, mean: 0.1 } },
  {
    syntax: 'Jpeg2000',
    photometric: 'YBR_ICT',
    bits: '8 (GDCM lossy, relabelled)',
    input: { make: 'j2k_ict.dcm', tool: 'dcmodify', from: gdcmLossyRgb, args: ['-m', '(0028,0004)=YBR_ICT'] },
    reference: 'gdcmconv',
    tolerance: { max: 1, mean: 0.1 },
  },
  // HTJ2K: made by our encoder from a native file (no HTJ2K encoder among DCMTK 3.6.7 / GDCM 3.0.21),
  // decoded by OpenJPEG 2.5.0's opj_decompress as the second decoder, and against the file's pixels.
  { syntax: 'HtJpeg2000Lossless', photometric: 'MONOCHROME2', bits: '16 signed', input: ours('htj2k_ct.dcm', ct, TransferSyntax.HtJpeg2000Lossless), reference: 'opj_decompress' },
  { syntax: 'HtJpeg2000Lossless', photometric: 'RGB', bits: '8', input: ours('htj2k_rgb.dcm', rgb0, TransferSyntax.HtJpeg2000Lossless), reference: 'opj_decompress' },
  { syntax: 'HtJpeg2000Lossless', photometric: 'MONOCHROME2', bits: '16 signed vs source', input: ours('htj2k_ct.dcm', ct, TransferSyntax.HtJpeg2000Lossless), reference: { original: ct } },
  { syntax: 'HtJpeg2000Lossless', photometric: 'RGB', bits: '8 vs source', input: ours('htj2k_rgb.dcm', rgb0, TransferSyntax.HtJpeg2000Lossless), reference: { original: rgb0 } },
];

function label(r: Row): string {
  return `${r.syntax} × ${r.photometric} × ${r.bits}`;
}

function isGrey(pi: string): boolean {
  return pi === 'MONOCHROME1' || pi === 'MONOCHROME2';
}

/** Colour samples of any photometric interpretation → 8-bit RGB with the node's own conversions. */
function toRgb8(pi: string, values: ArrayLike<number>, bits: number): Uint8Array {
  if (pi === 'YBR_FULL' || pi === 'YBR_FULL_422' || pi === 'YBR_ICT') return ybrFullToRgb(values, bits);
  if (pi === 'YBR_RCT') return ybrRctToRgb(values, bits);
  return rgbToBytes(values, bits);
}

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / Math.max(1, a.length) };
}

interface Compared {
  decoded: DecodedImage;
  ours: ArrayLike<number>;
  theirs: ArrayLike<number>;
}

function comparable(row: Row, decoded: DecodedImage, ds: Record<string, unknown>, ref: ReferencePixels): Compared {
  const flat = (frames: ArrayLike<number>[]) => {
    const out = new Float64Array(frames.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of frames) for (let i = 0; i < f.length; i++) out[o++] = f[i];
    return out;
  };
  const oursPi = decoded.pixelModule.PhotometricInterpretation;
  const refPi = row.referenceIs ?? ref.photometric;
  if (oursPi === 'PALETTE COLOR') {
    // The reference is pydicom's apply_color_lut (16-bit entries); the node renders 8-bit RGB.
    const palette = readPalette(ds, decoded.pixelModule);
    if (!palette) throw new Error(`${label(row)}: palette not readable`);
    const rgb = flat(decoded.frames.map((f) => paletteToRgb(f, palette)));
    return { decoded, ours: rgb, theirs: Float64Array.from(ref.values, (v) => Math.round(v / 257)) };
  }
  if (isGrey(oursPi) || oursPi === refPi) return { decoded, ours: flat(decoded.frames), theirs: ref.values };
  // Different colour spaces after decoding (e.g. the codec converted YBR → RGB, GDCM did not).
  const bits = decoded.pixelModule.BitsStored;
  const theirs = toRgb8(refPi, ref.values, ref.bitsStored);
  return { decoded, ours: flat(decoded.frames.map((f) => toRgb8(oursPi, f, bits))), theirs };
}

describe('decode matrix: every syntax × photometric against DCMTK / GDCM + pydicom', () => {
  const dir = mkdtempSync(join(tmpdir(), 'decode-matrix-'));
  const references = new Map<Row, ReferencePixels>();

  beforeAll(async () => {
    makeFixtures(dir);
    const built = new Set<string>();
    for (const row of MATRIX) await buildInput(row.input, dir, built);
    const jobs = MATRIX.map((row, i) => {
      const src = inputPath(row.input, dir);
      return { src: referenceNative(row.reference, src, join(dir, `ref-${i}.dcm`), dir), raw: join(dir, `ref-${i}.raw`) };
    });
    pydicomReference(jobs).forEach((ref, i) => references.set(MATRIX[i], ref));
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(MATRIX.map((r) => [label(r), r] as const))('%s', async (_name, row) => {
    const file = readPart10(readFileSync(inputPath(row.input, dir)));
    expect(file.transferSyntaxUid).toBe(TransferSyntax[row.syntax]);
    expect(file.dataset.PhotometricInterpretation).toBe(row.photometric);
    const decoded = await decodeFrames(file);
    expect(decoded.frames).toHaveLength(row.frames ?? 1);
    const ref = references.get(row)!;
    const { ours, theirs } = comparable(row, decoded, file.dataset, ref);
    expect(ours.length).toBe(theirs.length);
    const stats = diffStats(ours, theirs);
    if (process.env.DECODE_MATRIX_REPORT) console.log(`MATRIX ${label(row)} | max ${stats.max} | mean ${stats.mean.toFixed(3)} | n ${ours.length}`);
    const tol = row.tolerance ?? { max: 0, mean: 0 };
    expect(stats.max, `${label(row)}: max |diff|`).toBeLessThanOrEqual(tol.max);
    expect(stats.mean, `${label(row)}: mean |diff|`).toBeLessThanOrEqual(tol.mean);
  });

  it('covers every decodable encapsulated syntax at least once', () => {
    const covered = new Set(MATRIX.map((r) => TransferSyntax[r.syntax]));
    const missing = ['RleLossless', 'JpegBaseline', 'JpegExtended', 'JpegLossless', 'JpegLosslessSv1', 'JpegLsLossless', 'JpegLsNearLossless', 'Jpeg2000Lossless', 'Jpeg2000', 'HtJpeg2000Lossless'].filter(
      (k) => !covered.has(TransferSyntax[k as keyof typeof TransferSyntax]),
    );
    expect(missing).toEqual([]);
  });
});
