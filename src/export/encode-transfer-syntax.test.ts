import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/part10.js';
import { PixelDecodeError } from '../dicom/pixel-errors.js';
import { decodeFrames } from '../dicom/pixels.js';
import { TransferSyntax } from '../dicom/transfer-syntax.js';
import { ENCODABLE_TRANSFER_SYNTAXES, encodePart10, exportProposal } from './encode-transfer-syntax.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const bytesOf = (name: string) => readFileSync(`${PYDICOM}/${name}`);

async function refusal(p: Promise<unknown>): Promise<PixelDecodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PixelDecodeError);
  return err as PixelDecodeError;
}

describe('exportProposal', () => {
  it('preferred first, then Explicit and Implicit VR LE, no duplicates', () => {
    expect(exportProposal('jpeg-ls-lossless')).toEqual([TransferSyntax.JpegLsLossless, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]);
    expect(exportProposal('explicit-le')).toEqual([TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]);
  });
});

describe('encodePart10', () => {
  it.each(ENCODABLE_TRANSFER_SYNTAXES.map((ts) => [ts]))('CT_small (16-bit signed) → %s and back gives the same stored values', async (ts) => {
    const source = bytesOf('CT_small.dcm');
    const out = await encodePart10(source, ts);
    const file = readPart10(out);
    expect(file.transferSyntaxUid).toBe(ts);
    expect(file.dataset.SOPInstanceUID).toBe(readPart10(source).dataset.SOPInstanceUID);
    const [a, b] = [await decodeFrames(file), await decodeFrames(readPart10(source))];
    expect(Array.from(a.frames[0])).toEqual(Array.from(b.frames[0]));
  });

  it('native ↔ native: Explicit → Implicit VR LE keeps the data set', async () => {
    const out = await encodePart10(bytesOf('MR_small.dcm'), TransferSyntax.ImplicitVRLittleEndian);
    const file = readPart10(out);
    expect(file.transferSyntaxUid).toBe(TransferSyntax.ImplicitVRLittleEndian);
    expect((await decodeFrames(file)).frames[0]).toEqual((await decodeFrames(readPart10(bytesOf('MR_small.dcm')))).frames[0]);
  });

  it('returns the bytes unchanged when the object already is in the target syntax', async () => {
    const source = bytesOf('CT_small.dcm');
    expect((await encodePart10(source, TransferSyntax.ExplicitVRLittleEndian)).equals(source)).toBe(true);
  });

  it('refuses what it cannot do losslessly, with PACS_E_ENCODE', async () => {
    expect((await refusal(encodePart10(bytesOf('rtdose.dcm'), TransferSyntax.RleLossless))).message).toMatch(/8 and 16 bits allocated/);
    expect((await refusal(encodePart10(bytesOf('MR_small_bigendian.dcm'), TransferSyntax.RleLossless))).code).toBe('PACS_E_ENCODE');
    expect((await refusal(encodePart10(bytesOf('MR_small_RLE.dcm'), TransferSyntax.JpegLsLossless))).message).toMatch(/re-encoding from RLE Lossless/);
    expect((await refusal(encodePart10(bytesOf('CT_small.dcm'), TransferSyntax.Jpeg2000))).message).toMatch(/encoding to JPEG 2000 Image Compression is not supported/);
  });
});
