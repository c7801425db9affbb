import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from '../dicom/part10.js';
import { buildProcessingStamp } from '../derive/equipment.js';
import { MultiFrameScBuilder } from '../derive/mf-sc-image.js';
import { createRgbImage } from '../render/rgb-image.js';
import { writePart10WithLargePixels } from './large-part10.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const CT5N = pydicomData('test_files', 'dicomdirtests/98892001/CT5N');

describe('writePart10WithLargePixels', () => {
  it('gives the same bytes as writePart10 for a multi-frame derived object', () => {
    const sources = readdirSync(CT5N).map((f) => readPart10(readFileSync(join(CT5N, f))).dataset);
    const ds = MultiFrameScBuilder.fromSources(
      sources.map((source, i) => {
        const image = createRgbImage(Number(source.Columns), Number(source.Rows));
        image.data.forEach((_, k) => (image.data[k] = (k * 7 + i) % 256));
        return { source, frameIndex: 0, image };
      }),
      {
        seriesInstanceUid: '2.25.1',
        sopInstanceUid: '2.25.2',
        seriesNumber: 1001,
        seriesDescription: 'd',
        derivationDescription: 'd',
        processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T00:00:00Z'), description: 'd' }),
      },
    );
    const fast = writePart10WithLargePixels(ds);
    expect(fast.equals(writePart10(ds))).toBe(true);
    expect(new Uint8Array((readPart10(fast).dataset.PixelData as ArrayBuffer[])[0]!)).toEqual(new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!));
  });

  it('falls back to writePart10 for anything but one even-length OB buffer', () => {
    const ds = { SOPClassUID: '1.2.3', SOPInstanceUID: '1.2.3.4', Rows: 1, PixelData: [new Uint16Array([1, 2]).buffer], _vrMap: { PixelData: 'OW' } };
    expect(writePart10WithLargePixels(ds).equals(writePart10(ds))).toBe(true);
  });
});
