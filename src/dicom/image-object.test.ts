import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isImageObject, notAnImageReason } from './image-object.js';
import { readPart10 } from './part10.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const header = (f: string) => readPart10(readFileSync(join(PYDICOM, f)), { untilPixelData: true }).dataset;
const whole = (f: string) => readPart10(readFileSync(join(PYDICOM, f))).dataset;

describe('isImageObject / notAnImageReason', () => {
  it.each([
    ['test-SR.dcm', 'ComprehensiveSRStorage (1.2.840.10008.5.1.4.1.1.88.33)'],
    ['reportsi.dcm', 'BasicTextSRStorage (1.2.840.10008.5.1.4.1.1.88.11)'],
    ['rtplan.dcm', 'RTPlanStorage (1.2.840.10008.5.1.4.1.1.481.5)'],
    ['waveform_ecg.dcm', 'TwelveLeadECGWaveformStorage (1.2.840.10008.5.1.4.1.1.9.1.1)'],
  ])('%s is not an image object: %s', (file, what) => {
    expect(isImageObject(whole(file))).toBe(false);
    expect(notAnImageReason(header(file))).toBe(`no image object: ${what} carries no pixel data; stored, not processed`);
  });

  it.each(['CT_small.dcm', 'rtdose.dcm', 'SC_rgb_rle.dcm'])('%s is an image object, read whole or up to its pixel data', (file) => {
    expect(isImageObject(whole(file))).toBe(true);
    expect(isImageObject(header(file))).toBe(true);
    expect(notAnImageReason(header(file))).toBeUndefined();
  });

  it('float and double float pixel data count as image objects; an unknown class is named by its UID', () => {
    expect(isImageObject({ FloatPixelData: new ArrayBuffer(4) })).toBe(true);
    expect(isImageObject({ DoubleFloatPixelData: new ArrayBuffer(8) })).toBe(true);
    expect(notAnImageReason({ SOPClassUID: '1.2.3.4' })).toBe('no image object: SOP class (1.2.3.4) carries no pixel data; stored, not processed');
    expect(notAnImageReason({})).toMatch(/^no image object: object without a SOP Class UID/);
  });
});
