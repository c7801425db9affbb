import { describe, expect, it } from 'vitest';
import { frameCount, geometryFor, patientOrientationFor, patientOrientationFromIop } from './geometry.js';

describe('patientOrientationFromIop', () => {
  it.each([
    [[1, 0, 0, 0, 1, 0], ['L', 'P']], // axial
    [[0, 1, 0, 0, 0, -1], ['P', 'F']], // sagittal
    [[1, 0, 0, 0, 0, -1], ['L', 'F']], // coronal
    [[-1, 0, 0, 0, -1, 0], ['R', 'A']],
    [[0.866, 0.5, 0, 0, 0, -1], ['LP', 'F']], // oblique: largest component first
    [['1', '0', '0', '0', '1', '0'], ['L', 'P']],
  ])('%j → %j', (iop, expected) => {
    expect(patientOrientationFromIop(iop)).toEqual(expected);
  });

  it('refuses malformed input', () => {
    expect(patientOrientationFromIop(undefined)).toBeUndefined();
    expect(patientOrientationFromIop([1, 0, 0])).toBeUndefined();
    expect(patientOrientationFromIop([1, 0, 0, 0, 'x', 0])).toBeUndefined();
  });
});

describe('patientOrientationFor', () => {
  it('prefers the source value, then the orientation, else empty', () => {
    expect(patientOrientationFor({ PatientOrientation: ['A', 'F'] }, { ImageOrientationPatient: [1, 0, 0, 0, 1, 0] })).toEqual(['A', 'F']);
    expect(patientOrientationFor({}, { ImageOrientationPatient: [1, 0, 0, 0, 1, 0] })).toEqual(['L', 'P']);
    expect(patientOrientationFor({ PatientOrientation: '' }, {})).toBe('');
  });
});

describe('geometryFor', () => {
  const single = {
    ImagePositionPatient: [1, 2, 3],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.5, 0.5],
    SliceThickness: 1,
    SliceLocation: 3,
    FrameOfReferenceUID: '1.2.3',
    PositionReferenceIndicator: '',
    RescaleSlope: 1,
  };

  it('copies only geometry attributes of a single-frame image', () => {
    const { RescaleSlope: _r, ...expected } = single;
    expect(geometryFor(single, undefined)).toEqual(expected);
  });

  it('takes per-frame values over shared ones for a multi-frame image', () => {
    const mf = {
      FrameOfReferenceUID: '1.2.3',
      NumberOfFrames: 2,
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [{ PixelSpacing: [0.7, 0.7], SliceThickness: 3 }],
          PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
          PlanePositionSequence: [{ ImagePositionPatient: [9, 9, 9] }],
        },
      ],
      PerFrameFunctionalGroupsSequence: [
        { PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 0] }] },
        { PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 3] }] },
      ],
    };
    expect(frameCount(mf)).toBe(2);
    expect(geometryFor(mf, 1)).toEqual({
      FrameOfReferenceUID: '1.2.3',
      PixelSpacing: [0.7, 0.7],
      SliceThickness: 3,
      ImagePositionPatient: [0, 0, 3],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    });
  });

  it('counts one frame when Number of Frames is absent or bad', () => {
    expect(frameCount({})).toBe(1);
    expect(frameCount({ NumberOfFrames: '0' })).toBe(1);
    expect(frameCount({ NumberOfFrames: '4' })).toBe(4);
  });
});

describe('geometryFor', () => {
  it('leaves out a Frame of Reference UID that repeats the Study Instance UID', () => {
    const g = geometryFor(
      { StudyInstanceUID: '1.2.3', FrameOfReferenceUID: '1.2.3', PositionReferenceIndicator: '', ImagePositionPatient: [0, 0, 0] },
      undefined,
    );
    expect(g.FrameOfReferenceUID).toBeUndefined();
    expect(g.PositionReferenceIndicator).toBeUndefined();
    expect(g.ImagePositionPatient).toEqual([0, 0, 0]);
  });

  it('keeps a valid Frame of Reference UID', () => {
    expect(geometryFor({ StudyInstanceUID: '1.2.3', FrameOfReferenceUID: '1.2.4' }, undefined).FrameOfReferenceUID).toBe('1.2.4');
  });
});
