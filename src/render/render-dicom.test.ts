import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/part10.js';
import { decodeFrames } from '../dicom/pixels.js';
import { noSignalLevel, renderDicom } from './render-dicom.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const TEST_FILES = pydicomData('test_files');
const load = (name: string) => readPart10(readFileSync(`${TEST_FILES}/${name}`));

function pixel(data: Uint8Array, width: number, row: number, col: number): number[] {
  const i = (row * width + col) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

describe('renderDicom', () => {
  it('says where "no signal" falls: CT air grey in the lung window, black in soft tissue; MR zero; never for MONOCHROME1', async () => {
    const [lung] = await renderDicom(load('CT_small.dcm'), 'lung');
    const [soft] = await renderDicom(load('CT_small.dcm'), 'soft-tissue');
    // −1000 HU in the lung window (C −600, W 1500): ((−1000 + 600.5)/1499 + 0.5)·255 = 59.5
    expect(lung.blackLevel * 255).toBeCloseTo(59.5, 0);
    expect(soft.blackLevel).toBe(0);
    expect(noSignalLevel('MR', { name: 'w', center: 500, width: 800 }, false)).toBe(0);
    // A window starting below zero intensity shows no signal as grey: ((0 − 99.5)/399 + 0.5)
    expect(noSignalLevel('MR', { name: 'w', center: 100, width: 400 }, false)).toBeCloseTo(0.2506, 3);
    expect(noSignalLevel('CT', { name: 'lung', center: -600, width: 1500 }, true)).toBe(0);
  });

  it('windows CT_small in HU (Rescale Intercept -1024) with R = G = B', async () => {
    const [frame] = await renderDicom(load('CT_small.dcm'), 'soft-tissue');
    expect(frame.grayscale).toBe(true);
    expect(frame.window).toMatchObject({ name: 'soft-tissue', center: 40, width: 400 });
    const { data, width } = frame.image;
    expect(width).toBe(128);
    // stored 175 → -849 HU → below the window
    expect(pixel(data, 128, 0, 0)).toEqual([0, 0, 0]);
    // stored 1227 → 203 HU → ((203 - 39.5)/399 + 0.5)·255 = 231.99
    expect(pixel(data, 128, 10, 100)).toEqual([232, 232, 232]);
    // stored 1928 → 904 HU → above the window
    expect(pixel(data, 128, 64, 64)).toEqual([255, 255, 255]);
  });

  it('renders padded pixels black, before windowing and after MONOCHROME1 inversion', async () => {
    const file = load('CT_small.dcm');
    // Declare the stored value of pixel (0,0) as padding: -849 HU would be 85 in the lung window.
    const padded = { ...file, dataset: { ...file.dataset, PixelPaddingValue: 175 } };
    const [plain] = await renderDicom(file, 'lung');
    expect(pixel(plain.image.data, 128, 0, 0)).toEqual([85, 85, 85]);
    const [withPad] = await renderDicom(padded, 'lung');
    expect(pixel(withPad.image.data, 128, 0, 0)).toEqual([0, 0, 0]);
    const inverted = { ...padded, dataset: { ...padded.dataset, PhotometricInterpretation: 'MONOCHROME1' } };
    const [mono1] = await renderDicom(inverted, 'lung');
    expect(pixel(mono1.image.data, 128, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(mono1.image.data, 128, 10, 100)[0]).toBe(255 - pixel(plain.image.data, 128, 10, 100)[0]);
  });

  it('padding does not pull the auto window', async () => {
    const file = load('CT_small.dcm');
    const [auto] = await renderDicom(file, 'auto');
    const stored = Array.from((await decodeFrames(file)).frames[0]).sort((a, b) => a - b);
    // Declare the darkest 5 % as padding (a range): the robust window must move up.
    const padded = { ...file, dataset: { ...file.dataset, PixelPaddingValue: stored[0], PixelPaddingRangeLimit: stored[819] } };
    const [autoPadded] = await renderDicom(padded, 'auto');
    expect(auto.window?.name).toBe('auto');
    expect(autoPadded.window!.center).toBeGreaterThan(auto.window!.center);
    expect(autoPadded.image.data[0]).toBe(0); // (0,0) = 175 is among the darkest
  });

  it('uses the file window for MR when asked for a CT preset', async () => {
    const [frame] = await renderDicom(load('MR_small.dcm'), 'lung');
    expect(frame.window).toMatchObject({ name: 'lung', center: 600, width: 1600 });
  });

  it('converts big-endian planar RGB without windowing', async () => {
    const [frame] = await renderDicom(load('ExplVR_BigEnd.dcm'), 'lung');
    expect(frame.grayscale).toBe(false);
    expect(frame.window).toBeUndefined();
    expect([frame.image.width, frame.image.height]).toEqual([80, 60]);
    // pydicom pixel_array[0,0] = (171,171,171), [30,40] = (255,255,0)
    expect(pixel(frame.image.data, 80, 0, 0)).toEqual([171, 171, 171]);
    expect(pixel(frame.image.data, 80, 30, 40)).toEqual([255, 255, 0]);
  });

  it('converts YBR_FULL_422 to RGB like pydicom', async () => {
    const [frame] = await renderDicom(load('SC_ybr_full_422_uncompressed.dcm'), 'file');
    expect(pixel(frame.image.data, 100, 0, 0)).toEqual([254, 0, 0]);
    expect(pixel(frame.image.data, 100, 50, 50)).toEqual([125, 130, 255]);
    expect(pixel(frame.image.data, 100, 99, 99)).toEqual([255, 255, 255]);
  });

  it('renders every frame of a multi-frame object', async () => {
    const frames = await renderDicom(load('rtdose.dcm'), 'auto');
    expect(frames.map((f) => f.frameIndex)).toEqual([...Array(15).keys()]);
    expect(frames.every((f) => f.image.data.length === 10 * 10 * 3)).toBe(true);
  });
});
