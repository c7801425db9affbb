import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from '../dicom/part10.js';
import { createRgbImage } from '../render/rgb-image.js';
import { endoscopySeries } from '../../test/derive/endoscopy-fixture.js';
import { buildProcessingStamp } from './equipment.js';
import { VL_ENDOSCOPIC_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import { VlEndoscopicBuilder } from './vl-endoscopic.js';
import { pydicomTestFile } from '../../test/helpers/debian-fixtures.js';

const options = {
  seriesInstanceUid: '2.25.300',
  sopInstanceUid: '2.25.301',
  seriesNumber: 1003,
  seriesDescription: 'Stills - enhanced - NOT FOR PRIMARY DIAGNOSIS',
  derivationDescription: 'Enhanced. Not for primary diagnosis.',
  imageTypeValue4: 'ENHANCED',
  processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test', stationAeTitle: 'UNIMIE' }),
};

describe('VlEndoscopicBuilder.fromSource', () => {
  it('keeps the VL Endoscopic IOD: derived RGB, acquisition context, no window', () => {
    const [src] = endoscopySeries(1);
    const img = createRgbImage(64, 48);
    img.data.fill(99);
    const ds = readPart10(writePart10(VlEndoscopicBuilder.fromSource(src!, img, options))).dataset;
    expect(ds.SOPClassUID).toBe(VL_ENDOSCOPIC_IMAGE_STORAGE);
    expect(ds.Modality).toBe('ES');
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY']);
    expect([ds.PhotometricInterpretation, ds.SamplesPerPixel, ds.PlanarConfiguration, ds.BitsAllocated]).toEqual(['RGB', 3, 0, 8]);
    expect(ds.AcquisitionContextSequence).toEqual([]);
    expect(ds.WindowCenter).toBeUndefined();
    expect(ds.StudyInstanceUID).toBe(src!.StudyInstanceUID);
    expect(ds.LossyImageCompression).toBe('00');
    expect(new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!)[100]).toBe(99);
  });

  it('refuses sources of another SOP class', () => {
    const ct = readPart10(readFileSync(pydicomTestFile('CT_small.dcm'))).dataset;
    expect(() => VlEndoscopicBuilder.fromSource(ct, createRgbImage(128, 128), options)).toThrow(/VL Endoscopic Image sources/);
  });
});
