import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Dataset, readPart10, writePart10 } from '../dicom/part10.js';
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';
import { voiValue } from '../render/voi-window.js';
import { ConformanceError } from '../shared/errors.js';
import { endoscopySeries } from '../../test/derive/endoscopy-fixture.js';
import { buildProcessingStamp } from './equipment.js';
import { CT_IMAGE_STORAGE, MR_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import { GrayscaleImageBuilder, luminance, windowInverse } from './grayscale-image.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const load = (name: string): Dataset => readPart10(readFileSync(join(PYDICOM, name))).dataset;

function ramp(src: Dataset): RgbImage {
  const img = createRgbImage(Number(src.Columns), Number(src.Rows));
  for (let p = 0; p < img.width * img.height; p++) img.data.fill(p % 256, p * 3, p * 3 + 3);
  return img;
}

const options = (window?: { name: string; center: number; width: number }) => ({
  seriesInstanceUid: '2.25.200',
  sopInstanceUid: '2.25.201',
  seriesNumber: 1001,
  seriesDescription: 'derived - NOT FOR PRIMARY DIAGNOSIS',
  derivationDescription: 'Rendered with window soft-tissue. Not for primary diagnosis.',
  imageTypeValue4: 'ENHANCED',
  window,
  processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test', stationAeTitle: 'UNIMIE' }),
});

describe('luminance and the inverse window', () => {
  it('takes BT.601 luminance and leaves grey pixels unchanged', () => {
    const img = createRgbImage(3, 1, new Uint8Array([255, 0, 0, 0, 255, 0, 77, 77, 77]));
    expect([...luminance(img)]).toEqual([76, 150, 77]);
  });

  it.each([
    [40, 400],
    [-600, 1500],
    [40, 80],
  ])('maps every display value of window %d/%d back to a value the LINEAR window shows as that value', (center, width) => {
    const { slope, intercept } = windowInverse({ center, width });
    for (let y = 0; y <= 255; y++) expect(Math.round(voiValue(intercept + y * slope, center, width))).toBe(y);
  });
});

describe('GrayscaleImageBuilder.fromSource', () => {
  it('CT: same IOD, stored luminance rescaled into the window range, Rescale Type US, default window', () => {
    const src = load('CT_small.dcm');
    const window = { name: 'soft-tissue', center: 40, width: 400 };
    const ds = readPart10(writePart10(GrayscaleImageBuilder.fromSource(src, ramp(src), options(window)))).dataset;
    expect(ds.SOPClassUID).toBe(CT_IMAGE_STORAGE);
    expect(ds.Modality).toBe('CT');
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY', 'AXIAL', 'ENHANCED']);
    expect([ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation]).toEqual([1, 'MONOCHROME2', 16, 12, 11, 0]);
    expect(ds.RescaleType).toBe('US');
    const slope = Number(ds.RescaleSlope);
    const intercept = Number(ds.RescaleIntercept);
    expect(intercept).toBeCloseTo(40 - 0.5 - 399 / 2, 6);
    expect(intercept + 255 * slope).toBeCloseTo(40 - 0.5 + 399 / 2, 6);
    expect([Number(ds.WindowCenter), Number(ds.WindowWidth)]).toEqual([40, 400]);
    expect(ds.WindowCenterWidthExplanation).toMatch(/soft-tissue.*not HU/);
    const stored = new Uint16Array((ds.PixelData as ArrayBuffer[])[0]!);
    expect([...stored.slice(0, 300)]).toEqual(Array.from({ length: 300 }, (_, p) => p % 256));
    for (const kw of ['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing', 'FrameOfReferenceUID', 'SliceThickness']) {
      expect(ds[kw], kw).toEqual(src[kw]);
    }
    expect(ds.StudyInstanceUID).toBe(src.StudyInstanceUID);
    expect((ds.SourceImageSequence as Dataset[])[0]!.ReferencedSOPInstanceUID).toBe(src.SOPInstanceUID);
    expect(ds.PixelPaddingValue).toBeUndefined();
    expect(ds.KVP).toEqual(src.KVP);
  });

  it('MR: same IOD, no Modality LUT, the stored values are the window-range values', () => {
    const src = load('MR_small.dcm');
    const window = { name: 'file', center: 600, width: 1600 };
    const ds = GrayscaleImageBuilder.fromSource(src, ramp(src), options(window));
    expect(ds.SOPClassUID).toBe(MR_IMAGE_STORAGE);
    expect(ds.RescaleSlope).toBeUndefined();
    expect(ds.RescaleType).toBeUndefined();
    expect(ds.ScanningSequence).toEqual(src.ScanningSequence);
    const { slope, intercept } = windowInverse(window);
    const values = new Int16Array((ds.PixelData as ArrayBuffer[])[0]!);
    expect(ds.PixelRepresentation).toBe(1); // the window reaches below zero
    expect(values[0]).toBe(Math.round(intercept));
    expect(values[255]).toBe(Math.round(intercept + 255 * slope));
  });

  it('MONOCHROME1 stays MONOCHROME1: the display inversion is undone before the values are mapped back', () => {
    const src = { ...load('CT_small.dcm'), PhotometricInterpretation: 'MONOCHROME1' };
    const ds = GrayscaleImageBuilder.fromSource(src, ramp(src), options({ name: 'soft-tissue', center: 40, width: 400 }));
    expect(ds.PhotometricInterpretation).toBe('MONOCHROME1');
    const stored = new Uint16Array((ds.PixelData as ArrayBuffer[])[0]!);
    expect([stored[0], stored[1], stored[255]]).toEqual([255, 254, 0]);
  });

  it('refuses sources that are not CT/MR grayscale, and a colour render without a window', () => {
    const [rgb] = endoscopySeries(1);
    const refusal = (() => {
      try {
        GrayscaleImageBuilder.fromSource(rgb!, createRgbImage(64, 48), options({ name: 'w', center: 1, width: 2 }));
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(ConformanceError);
    expect((refusal as ConformanceError).code).toBe('PACS_E_DERIVE_KIND_UNSUPPORTED');
    const ct = load('CT_small.dcm');
    expect(() => GrayscaleImageBuilder.fromSource(ct, ramp(ct), options(undefined))).toThrow(/grayscale source/);
    expect(() => GrayscaleImageBuilder.fromSource(ct, createRgbImage(4, 4), options({ name: 'w', center: 40, width: 400 }))).toThrow(/grid/);
  });
});
