import { describe, expect, it } from 'vitest';
import type { PixelModule } from '../dicom/pixel-module.js';
import { applyModalityTransform, lutData, readModalityTransform } from './modality-lut.js';
import { paddingMask, readPaddingRange } from './pixel-padding.js';

const pm: PixelModule = {
  Rows: 1,
  Columns: 4,
  SamplesPerPixel: 1,
  BitsAllocated: 16,
  BitsStored: 16,
  HighBit: 15,
  PixelRepresentation: 1,
  PhotometricInterpretation: 'MONOCHROME2',
  PlanarConfiguration: 0,
  NumberOfFrames: 1,
};

describe('modality transform', () => {
  it('applies Rescale Slope/Intercept (DS strings as dcmjs may give them)', () => {
    const t = readModalityTransform({ RescaleSlope: '2', RescaleIntercept: '-1024' }, pm);
    expect(t).toEqual({ kind: 'rescale', slope: 2, intercept: -1024 });
    expect(Array.from(applyModalityTransform([0, 1000, -10], t))).toEqual([-1024, 976, -1044]);
  });

  it('is the identity without rescale attributes', () => {
    expect(Array.from(applyModalityTransform([5, -5], readModalityTransform({}, pm)))).toEqual([5, -5]);
  });

  it('looks values up in a Modality LUT Sequence and clamps outside it (C.11.1.1)', () => {
    // First mapped value -2 written as US 65534 (dcmjs reads the xs descriptor as US).
    const words = new Uint16Array([10, 20, 30, 40]);
    const ds = { ModalityLUTSequence: [{ LUTDescriptor: [4, 65534, 16], LUTData: [words.buffer] }], RescaleSlope: 5 };
    const t = readModalityTransform(ds, pm);
    expect(t.kind).toBe('table');
    expect(Array.from(applyModalityTransform([-5, -2, -1, 0, 1, 100], t))).toEqual([10, 10, 20, 30, 40, 40]);
  });

  it('reads 8-bit LUT data packed one per byte or one per word', () => {
    expect(lutData([new Uint8Array([1, 2, 3, 4]).buffer], 4)).toEqual([1, 2, 3, 4]);
    expect(lutData([new Uint8Array([1, 0, 2, 0]).buffer], 2)).toEqual([1, 2]);
    expect(lutData([7, 8], 2)).toEqual([7, 8]);
  });

  it('prefers the per-frame Pixel Value Transformation of enhanced objects', () => {
    const ds = {
      RescaleSlope: 1,
      SharedFunctionalGroupsSequence: [{ PixelValueTransformationSequence: [{ RescaleSlope: 1, RescaleIntercept: -1000 }] }],
      PerFrameFunctionalGroupsSequence: [{}, { PixelValueTransformationSequence: [{ RescaleSlope: 2, RescaleIntercept: 0 }] }],
    };
    expect(readModalityTransform(ds, pm, 0)).toEqual({ kind: 'rescale', slope: 1, intercept: -1000 });
    expect(readModalityTransform(ds, pm, 1)).toEqual({ kind: 'rescale', slope: 2, intercept: 0 });
  });

  it('turns padded pixels into NaN', () => {
    const out = applyModalityTransform([0, -2000, 10], { kind: 'rescale', slope: 1, intercept: -1024 }, new Uint8Array([0, 1, 0]));
    expect(Array.from(out)).toEqual([-1024, NaN, -1014]);
  });
});

describe('pixel padding (PS3.3 C.7.5.1.1.2)', () => {
  it('reads a signed Pixel Padding Value that dcmjs gave as US', () => {
    expect(readPaddingRange({ PixelPaddingValue: 63536 }, pm)).toEqual({ low: -2000, high: -2000 });
    expect(readPaddingRange({ PixelPaddingValue: -2000 }, pm)).toEqual({ low: -2000, high: -2000 });
  });

  it('uses Pixel Padding Range Limit in either order', () => {
    expect(readPaddingRange({ PixelPaddingValue: -1000, PixelPaddingRangeLimit: -3000 }, pm)).toEqual({ low: -3000, high: -1000 });
    const unsigned = { ...pm, PixelRepresentation: 0 as const };
    expect(readPaddingRange({ PixelPaddingValue: 0, PixelPaddingRangeLimit: 10 }, unsigned)).toEqual({ low: 0, high: 10 });
  });

  it('masks the stored values in range, none when absent', () => {
    const range = { low: -3000, high: -1000 };
    expect(Array.from(paddingMask([-3001, -3000, -2000, -1000, -999], range) ?? [])).toEqual([0, 1, 1, 1, 0]);
    expect(paddingMask([1, 2], range)).toBeUndefined();
    expect(paddingMask([1, 2], undefined)).toBeUndefined();
    expect(readPaddingRange({}, pm)).toBeUndefined();
  });
});
