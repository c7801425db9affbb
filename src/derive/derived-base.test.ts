import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10, type Dataset } from '../dicom/part10.js';
import { createRgbImage } from '../render/rgb-image.js';
import { buildProcessingStamp } from './equipment.js';
import { mergeLossy } from './derived-base.js';
import { MultiFrameScBuilder } from './mf-sc-image.js';
import { ScImageBuilder } from './sc-image.js';
import { lateralityFor, PATIENT_STUDY_TYPE2 } from './source-modules.js';
import { pydicomTestFile } from '../../test/helpers/debian-fixtures.js';

const CT = readPart10(readFileSync(pydicomTestFile('CT_small.dcm'))).dataset;
const options = {
  seriesInstanceUid: '2.25.400',
  sopInstanceUid: '2.25.401',
  seriesNumber: 1001,
  seriesDescription: 'derived',
  derivationDescription: 'derived',
  processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test' }),
};

describe('attributes every derived object shares', () => {
  it('adds the Type 2 patient/study attributes empty when the source lacks them (sc-rgb and mf-sc-rgb alike)', () => {
    const bare: Dataset = { ...CT };
    for (const kw of ['PatientID', 'PatientSex', 'StudyID', 'AccessionNumber', 'ReferringPhysicianName']) delete bare[kw];
    const image = createRgbImage(128, 128);
    const sc = ScImageBuilder.fromSource(bare, image, options);
    const mf = MultiFrameScBuilder.fromSources([{ source: bare, frameIndex: 0, image }], options);
    for (const ds of [sc, mf]) {
      for (const kw of PATIENT_STUDY_TYPE2) expect(ds[kw], kw).toBeDefined();
      expect(ds.PatientID).toBe('');
      expect(ds.PatientName).toEqual(CT.PatientName);
    }
  });

  it('merges the lossy history of several sources: 01 if any was lossy, 00 only if all said 00', () => {
    expect(mergeLossy([{ LossyImageCompression: '00' }, { LossyImageCompression: '01', LossyImageCompressionMethod: ['ISO_10918_1'] }])).toEqual({
      LossyImageCompression: '01',
      LossyImageCompressionMethod: ['ISO_10918_1'],
    });
    expect(mergeLossy([{ LossyImageCompression: '00' }, { LossyImageCompression: '00' }])).toEqual({ LossyImageCompression: '00' });
    expect(mergeLossy([{ LossyImageCompression: '00' }, {}])).toEqual({});
  });

  it('Laterality: kept when known, absent for unpaired body parts, empty (unknown) otherwise', () => {
    expect(lateralityFor({ Laterality: 'L', BodyPartExamined: 'KNEE' })).toBe('L');
    expect(lateralityFor({ BodyPartExamined: 'CHEST' })).toBeUndefined();
    expect(lateralityFor({ BodyPartExamined: 'KNEE' })).toBe('');
    expect(lateralityFor({ BodyPartExamined: 'WHOLE BODY' })).toBe('');
    expect(lateralityFor({})).toBe('');
  });
});
