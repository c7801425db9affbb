import { describe, expect, it } from 'vitest';
import type { PixelModule } from '../dicom/pixel-module.js';
import { autoWindow, fileWindow, isKnownWindowName, normalizeWindowName, resolveWindow } from './window-presets.js';

const pm: PixelModule = {
  Rows: 10,
  Columns: 100,
  SamplesPerPixel: 1,
  BitsAllocated: 16,
  BitsStored: 16,
  HighBit: 15,
  PixelRepresentation: 1,
  PhotometricInterpretation: 'MONOCHROME2',
  PlanarConfiguration: 0,
  NumberOfFrames: 1,
};
const ramp = Float32Array.from({ length: 1000 }, (_, i) => i);

describe('autoWindow', () => {
  it('spans the 0.5–99.5 percentile (linear interpolation)', () => {
    // positions 999·0.005 = 4.995 and 999·0.995 = 994.005
    const w = autoWindow(ramp);
    expect(w.center).toBeCloseTo(499.5, 4);
    expect(w.width).toBeCloseTo(989.01, 3);
  });

  it('ignores padding (NaN) and outliers', () => {
    const values = Float32Array.from([...ramp, NaN, NaN, NaN]);
    expect(autoWindow(values).center).toBeCloseTo(499.5, 4);
    const spiky = Float32Array.from(ramp, (v, i) => (i === 0 ? -1e6 : v));
    expect(autoWindow(spiky).width).toBeLessThan(1000);
  });

  it('falls back to width 1 for flat or fully padded frames', () => {
    expect(autoWindow(new Float32Array(50).fill(7))).toMatchObject({ center: 7, width: 1 });
    expect(autoWindow(new Float32Array([NaN, NaN]))).toMatchObject({ center: 0, width: 1 });
  });
});

describe('resolveWindow', () => {
  const ct = { Modality: 'CT', WindowCenter: ['50', '500'], WindowWidth: ['350', '2000'] };
  const mr = { Modality: 'MR', WindowCenter: 600, WindowWidth: 1600 };

  it('returns the CT presets for CT', () => {
    expect(resolveWindow(ct, pm, ramp, 'lung')).toMatchObject({ name: 'lung', center: -600, width: 1500 });
    expect(resolveWindow(ct, pm, ramp, 'soft-tissue')).toMatchObject({ center: 40, width: 400 });
    expect(resolveWindow(ct, pm, ramp, 'bone')).toMatchObject({ center: 400, width: 1800 });
    expect(resolveWindow(ct, pm, ramp, 'Brain')).toMatchObject({ name: 'Brain', center: 40, width: 80 });
    expect(resolveWindow(ct, pm, ramp, 'mediastinum')).toMatchObject({ center: 40, width: 400 });
  });

  it('"file" takes the first Window Center/Width value', () => {
    expect(resolveWindow(ct, pm, ramp, 'file')).toMatchObject({ name: 'file', center: 50, width: 350 });
  });

  it('a CT preset on MR falls back to the file window, then auto', () => {
    const w = resolveWindow(mr, pm, ramp, 'lung');
    expect(w).toMatchObject({ name: 'lung', center: 600, width: 1600 });
    expect(w.explanation).toMatch(/CT preset/);
    const noFile = resolveWindow({ Modality: 'MR' }, pm, ramp, 'lung');
    expect(noFile.center).toBeCloseTo(499.5, 4);
    expect(resolveWindow({ Modality: 'MR' }, pm, ramp, 'file').center).toBeCloseTo(499.5, 4);
  });

  it('"auto" ignores the file window', () => {
    expect(resolveWindow(ct, pm, ramp, 'auto').center).toBeCloseTo(499.5, 4);
  });

  it('custom presets win and apply to any modality', () => {
    const custom = { lung: { name: 'site-lung', center: -500, width: 1400 }, liver: { name: 'liver', center: 60, width: 160 } };
    expect(resolveWindow(ct, pm, ramp, 'lung', custom)).toMatchObject({ name: 'lung', center: -500, width: 1400 });
    expect(resolveWindow(mr, pm, ramp, 'liver', custom)).toMatchObject({ center: 60, width: 160 });
  });

  it('reads VOI LUT Function and the per-frame Frame VOI LUT of enhanced objects', () => {
    const enhanced = {
      Modality: 'CT',
      VOILUTFunction: 'SIGMOID',
      PerFrameFunctionalGroupsSequence: [
        { FrameVOILUTSequence: [{ WindowCenter: 10, WindowWidth: 20 }] },
        { FrameVOILUTSequence: [{ WindowCenter: 30, WindowWidth: 40, VOILUTFunction: 'LINEAR_EXACT' }] },
      ],
    };
    expect(fileWindow(enhanced, 0)).toMatchObject({ center: 10, width: 20, voiLutFunction: 'SIGMOID' });
    expect(resolveWindow(enhanced, pm, ramp, 'file', undefined, 1)).toMatchObject({ center: 30, width: 40, voiLutFunction: 'LINEAR_EXACT' });
  });

  it('rejects an unknown name', () => {
    expect(() => resolveWindow(ct, pm, ramp, 'kidney')).toThrow(/unknown window preset "kidney"/);
    expect(normalizeWindowName('Soft_Tissue')).toBe('soft-tissue');
    expect(isKnownWindowName('Lung')).toBe(true);
    expect(isKnownWindowName('kidney')).toBe(false);
    expect(isKnownWindowName('kidney', { kidney: { name: 'kidney', center: 30, width: 300 } })).toBe(true);
  });
});
