import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPart10, writePart10, type Dataset } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { encodePart10 } from '../../src/export/encode-transfer-syntax.js';
import { renderDicom } from '../../src/render/render-dicom.js';
import { PYDICOM_FILES } from './decode-fixtures.js';

/**
 * Multi-frame inputs in the render stage: every frame becomes its own slice, with the frame's own
 * Pixel Value Transformation (rescale) and Frame VOI LUT (window) from the per-frame functional
 * groups, falling back to the shared groups (PS3.3 C.7.6.16). Expected grey levels are computed
 * here from the PS3.3 C.11.2.1.2.1 formula, not with the node's code.
 */
const ROWS = 8;
const COLS = 8;

interface FrameSpec {
  slope: number;
  intercept: number;
  /** Omitted: the shared Frame VOI LUT applies. */
  window?: { center: number; width: number; fn?: string };
  z: number;
}

const FRAMES: FrameSpec[] = [
  { slope: 1, intercept: -1024, window: { center: 40, width: 400 }, z: 0 },
  { slope: 2, intercept: -2048, window: { center: -600, width: 1500 }, z: 2.5 },
  { slope: 0.5, intercept: -100, z: 5 },
  { slope: 1, intercept: 0, window: { center: 300, width: 100, fn: 'LINEAR_EXACT' }, z: 7.5 },
];
const SHARED_WINDOW = { center: 50, width: 200 };

/** Stored value of pixel i in frame f: a ramp over 0…2000 that differs per frame. */
const stored = (f: number, i: number) => (i * 31 + f * 97) % 2001;

function enhancedCt(): Dataset {
  const pixels = new Int16Array(FRAMES.length * ROWS * COLS);
  FRAMES.forEach((_, f) => {
    for (let i = 0; i < ROWS * COLS; i++) pixels[f * ROWS * COLS + i] = stored(f, i);
  });
  const ds = (n: number) => String(n);
  return {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT Image Storage
    SOPInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.1`,
    StudyInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.2`,
    SeriesInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.3`,
    Modality: 'CT',
    PatientID: 'MF1',
    Rows: ROWS,
    Columns: COLS,
    NumberOfFrames: FRAMES.length,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: ['0.5', '0.5'], SliceThickness: '2.5' }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'] }],
        FrameVOILUTSequence: [{ WindowCenter: ds(SHARED_WINDOW.center), WindowWidth: ds(SHARED_WINDOW.width) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: FRAMES.map((f) => ({
      PixelValueTransformationSequence: [{ RescaleSlope: ds(f.slope), RescaleIntercept: ds(f.intercept), RescaleType: 'HU' }],
      PlanePositionSequence: [{ ImagePositionPatient: ['0', '0', ds(f.z)] }],
      ...(f.window
        ? { FrameVOILUTSequence: [{ WindowCenter: ds(f.window.center), WindowWidth: ds(f.window.width), ...(f.window.fn ? { VOILUTFunction: f.window.fn } : {}) }] }
        : {}),
    })),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
}

function expectedGrey(x: number, w: { center: number; width: number; fn?: string }): number {
  let y: number;
  if (w.fn === 'LINEAR_EXACT') {
    y = x <= w.center - w.width / 2 ? 0 : x > w.center + w.width / 2 ? 255 : ((x - w.center) / w.width + 0.5) * 255;
  } else {
    const lo = w.center - 0.5 - (w.width - 1) / 2;
    const hi = w.center - 0.5 + (w.width - 1) / 2;
    y = x <= lo ? 0 : x > hi ? 255 : ((x - (w.center - 0.5)) / (w.width - 1) + 0.5) * 255;
  }
  return Math.round(y);
}

describe('multi-frame inputs: one slice per frame with per-frame attributes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'multiframe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const native = writePart10(enhancedCt());

  it.each([
    ['Explicit VR LE', TransferSyntax.ExplicitVRLittleEndian],
    ['RLE Lossless', TransferSyntax.RleLossless],
    ['JPEG-LS Lossless', TransferSyntax.JpegLsLossless],
    ['JPEG 2000 Lossless', TransferSyntax.Jpeg2000Lossless],
  ])('Enhanced CT in %s: per-frame rescale and Frame VOI LUT, shared VOI as fallback', async (_n, ts) => {
    const bytes = await encodePart10(native, ts);
    const file = readPart10(bytes);
    expect(file.transferSyntaxUid).toBe(ts);
    const frames = await renderDicom(file, 'file');
    expect(frames.map((f) => f.frameIndex)).toEqual([0, 1, 2, 3]);
    FRAMES.forEach((spec, f) => {
      const window = spec.window ?? SHARED_WINDOW;
      expect(frames[f].window).toMatchObject({ center: window.center, width: window.width });
      expect(frames[f].window?.voiLutFunction).toBe(spec.window?.fn);
      const img = frames[f].image;
      expect([img.width, img.height]).toEqual([COLS, ROWS]);
      for (let i = 0; i < ROWS * COLS; i++) {
        const hu = stored(f, i) * spec.slope + spec.intercept;
        expect(img.data[i * 3], `frame ${f} pixel ${i} (HU ${hu})`).toBe(expectedGrey(hu, window));
      }
    });
  });

  it('CT presets apply to every frame in the frame’s own HU', async () => {
    const frames = await renderDicom(readPart10(native), 'lung');
    FRAMES.forEach((spec, f) => {
      expect(frames[f].window).toMatchObject({ center: -600, width: 1500 });
      const hu = stored(f, 5) * spec.slope + spec.intercept;
      expect(frames[f].image.data[5 * 3]).toBe(expectedGrey(hu, { center: -600, width: 1500 }));
    });
  });

  it('a multi-frame JPEG clip (US/XA-like, 8-bit, made by dcmcjpeg) and a 2-frame RGB RLE render frame by frame', async () => {
    // 15-frame 32-bit RT dose → 8-bit MONOCHROME2 clip, compressed as JPEG baseline by DCMTK.
    const dose = readPart10(readFileSync(join(PYDICOM_FILES, 'rtdose.dcm')));
    const n = Number(dose.dataset.NumberOfFrames);
    const rows = Number(dose.dataset.Rows);
    const cols = Number(dose.dataset.Columns);
    const clip = new Uint8Array(n * rows * cols).map((_, i) => (Math.floor(i / (rows * cols)) * 16 + (i % 7)) & 0xff);
    const clipDs: Dataset = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.6.1', // Ultrasound Image Storage
      SOPInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.9`,
      StudyInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.2`,
      SeriesInstanceUID: `1.2.826.0.1.3680043.10.1402.${process.pid}.8`,
      Modality: 'US',
      Rows: rows,
      Columns: cols,
      NumberOfFrames: n,
      FrameTime: '40',
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PixelData: [clip.buffer],
      _vrMap: { PixelData: 'OB' },
    };
    const src = join(dir, 'clip.dcm');
    const jpeg = join(dir, 'clip-jpeg.dcm');
    writeFileSync(src, writePart10(clipDs));
    execFileSync('dcmcjpeg', ['+eb', '+q', '100', src, jpeg], { stdio: 'pipe' });
    const file = readPart10(readFileSync(jpeg));
    expect(file.transferSyntaxUid).toBe(TransferSyntax.JpegBaseline);
    const frames = await renderDicom(file, 'auto');
    expect(frames).toHaveLength(n);
    // Each frame has its own level (frame index × 16 + small ramp): the auto window sees one frame only.
    for (const f of [0, 7, 14]) expect(frames[f].window?.center).toBeCloseTo(f * 16 + 3, 0);

    const rgb = await renderDicom(readPart10(readFileSync(join(PYDICOM_FILES, 'SC_rgb_rle_2frame.dcm'))), 'auto');
    expect(rgb).toHaveLength(2);
    expect(rgb.every((f) => !f.grayscale && f.window === undefined)).toBe(true);
    // SC_rgb_rle_2frame: frame 2 is frame 1 inverted (pydicom's test pattern).
    expect(Array.from(rgb[0].image.data.slice(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(rgb[1].image.data.slice(0, 3))).toEqual([0, 255, 255]);
  });
});
