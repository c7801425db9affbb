import { describe, expect, it } from 'vitest';
import { axialPlaneAttributes, checkStackSize, pixelCentreMm, sampleCommonAttributes, type SampleIdentity, sampleUids, sliceZ } from './sample-series.js';

const id: SampleIdentity = {
  key: 'test',
  seed: 3,
  patientName: 'Demo^Test',
  patientId: 'DEMO-TEST-3',
  patientSex: 'O',
  modality: 'CT',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  studyDescription: 'study',
  seriesDescription: 'series',
  seriesNumber: 2,
  date: '20240101',
  time: '120000',
  model: 'model',
  bodyPart: 'ABDOMEN',
};
const stack = { rows: 4, columns: 6, pixelMm: 0.5, thicknessMm: 3, spacingMm: 2.5, firstZ: 10 };

describe('sample series', () => {
  it('derives distinct, valid, deterministic UIDs from key and seed', () => {
    const u = sampleUids(id);
    expect(sampleUids({ key: 'test', seed: 3 })).toEqual(u);
    expect(sampleUids({ key: 'test', seed: 4 }).StudyInstanceUID).not.toBe(u.StudyInstanceUID);
    expect(new Set(Object.values(u)).size).toBe(3);
    for (const uid of Object.values(u)) expect(uid).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
  });

  it('writes synthetic identity only, and one SOP instance per index', () => {
    const u = sampleUids(id);
    const a = sampleCommonAttributes(id, u, 0);
    const b = sampleCommonAttributes(id, u, 1);
    expect(a.PatientID).toBe('DEMO-TEST-3');
    expect(a.SOPInstanceUID).not.toBe(b.SOPInstanceUID);
    expect([a.InstanceNumber, b.InstanceNumber]).toEqual([1, 2]);
    expect(() => sampleCommonAttributes({ ...id, patientId: 'P123' }, u, 0)).toThrow(RangeError);
  });

  it('accepts a whole size within its range and a positive whole slice count, refuses the rest', () => {
    expect(() => checkStackSize(16, 1, 16, 1024)).not.toThrow();
    expect(() => checkStackSize(1024, 10, 16, 1024)).not.toThrow();
    expect(() => checkStackSize(15, 1, 16, 1024)).toThrow('size 15 outside 16…1024');
    expect(() => checkStackSize(1025, 1, 16, 1024)).toThrow(RangeError);
    expect(() => checkStackSize(64.5, 1, 16, 1024)).toThrow(RangeError);
    expect(() => checkStackSize(64, 0, 16, 1024)).toThrow('slices must be a positive integer, got 0');
    expect(() => checkStackSize(64, 2.5, 16, 1024)).toThrow(RangeError);
  });

  it('places an axial stack centred on the axis, stepping feet-ward by the spacing', () => {
    expect(pixelCentreMm(stack, 0, 0)).toEqual({ x: -1.25, y: -0.75 });
    expect(pixelCentreMm(stack, 5, 3)).toEqual({ x: 1.25, y: 0.75 });
    expect(sliceZ(stack, 2)).toBe(5);
    const plane = axialPlaneAttributes(stack, sampleUids(id), 2);
    expect(plane.ImagePositionPatient).toEqual(['-1.25', '-0.75', '5']);
    expect(plane.SliceLocation).toBe('5');
    expect(plane.SliceThickness).toBe('3');
    expect(plane.PixelSpacing).toEqual(['0.5', '0.5']);
  });
});
