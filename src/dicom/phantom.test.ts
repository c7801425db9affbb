import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from './part10.js';
import { HU, phantomHu } from './phantom-anatomy.js';
import { createPhantomSeries, hashUid, PHANTOM_PADDING_VALUE, phantomPixels, phantomSliceDataset } from './phantom.js';
import { decodeFrames } from './pixels.js';

const dir = mkdtempSync(join(tmpdir(), 'phantom-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const num = (v: unknown) => Number(v);

describe('phantom anatomy', () => {
  it('places air, body, lungs, spine and liver where expected', () => {
    expect(phantomHu(0.95, 0.95, 0.3)).toBe(HU.air);
    expect(phantomHu(-0.36, 0.02, 0.3)).toBe(HU.lung); // right lung, mid thorax
    expect(phantomHu(0, 0.22, 0.3)).toBe(HU.trabecularBone); // vertebral body
    expect(phantomHu(-0.36, 0.02, 0.95)).toBe(HU.liver); // no lung low down; liver on the right
    expect(phantomHu(0.4, -0.3, 0.95)).toBe(HU.softTissue);
  });
});

describe('createPhantomSeries / phantomSliceDataset', () => {
  const series = createPhantomSeries({ slices: 4, rows: 64, columns: 48, pixelSpacing: 2, sliceThickness: 2.5, padding: true });

  it('uses one study, series and frame of reference, deterministic from the options', () => {
    const again = createPhantomSeries({ slices: 4, rows: 64, columns: 48, pixelSpacing: 2, sliceThickness: 2.5, padding: true });
    expect(again.SeriesInstanceUID).toBe(series.SeriesInstanceUID);
    expect(createPhantomSeries({ slices: 4, rows: 64, columns: 48, seed: 2 }).SeriesInstanceUID).not.toBe(series.SeriesInstanceUID);
    const slices = [0, 1, 2, 3].map((i) => phantomSliceDataset(series, i));
    expect(new Set(slices.map((s) => s.StudyInstanceUID)).size).toBe(1);
    expect(new Set(slices.map((s) => s.FrameOfReferenceUID)).size).toBe(1);
    expect(new Set(slices.map((s) => s.SOPInstanceUID)).size).toBe(4);
    expect(slices.map((s) => s.InstanceNumber)).toEqual([1, 2, 3, 4]);
    for (const uid of [series.StudyInstanceUID, slices[0].SOPInstanceUID as string]) {
      expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
    expect(hashUid('a')).toBe(hashUid('a'));
  });

  it('has regular axial geometry: positions step by the slice thickness along the normal', () => {
    const pos = [0, 1, 2, 3].map((i) => (phantomSliceDataset(series, i).ImagePositionPatient as string[]).map(num));
    expect(pos[0]).toEqual([-47, -63, 0]); // first pixel centre: -(48/2)·2 + 1, -(64/2)·2 + 1
    for (let i = 1; i < 4; i++) {
      expect(pos[i][0]).toBe(pos[0][0]);
      expect(pos[i][1]).toBe(pos[0][1]);
      expect(pos[i][2] - pos[i - 1][2]).toBeCloseTo(-2.5, 9);
    }
    const ds = phantomSliceDataset(series, 2);
    expect((ds.ImageOrientationPatient as string[]).map(num)).toEqual([1, 0, 0, 0, 1, 0]);
    expect((ds.PixelSpacing as string[]).map(num)).toEqual([2, 2]);
    expect(num(ds.SliceThickness)).toBe(2.5);
    expect(num(ds.SliceLocation)).toBe(-5);
  });

  it('stores HU − (−1024) as 16-bit signed, padding outside the field of view', () => {
    const px = phantomPixels(series, 1);
    expect(px).toHaveLength(64 * 48);
    expect(px[0]).toBe(PHANTOM_PADDING_VALUE); // corner lies outside the reconstruction circle
    const noiseless = phantomPixels(createPhantomSeries({ slices: 4, rows: 64, columns: 48, noise: 0 }), 1);
    expect(noiseless[0]).toBe(HU.air + 1024);
    expect(Array.from(phantomPixels(series, 1))).toEqual(Array.from(px)); // deterministic noise
  });

  it('round-trips through Part 10 and decodes to the same pixels', async () => {
    const bytes = writePart10(phantomSliceDataset(series, 0));
    const file = readPart10(bytes);
    expect(file.dataset.PixelPaddingValue).toBe(PHANTOM_PADDING_VALUE);
    const decoded = await decodeFrames(file);
    expect(Array.from(decoded.frames[0])).toEqual(Array.from(phantomPixels(series, 0)));
  });

  it('passes dciodvfy as CT Image Storage with no Error lines', () => {
    for (const padding of [false, true]) {
      const s = createPhantomSeries({ slices: 3, rows: 32, columns: 32, padding });
      const path = join(dir, `slice-${padding}.dcm`);
      writeFileSync(path, writePart10(phantomSliceDataset(s, 1)));
      const r = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(out).toMatch(/CTImage/);
      expect(out.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    }
  });

  it('rejects impossible options', () => {
    expect(() => createPhantomSeries({ slices: 0, rows: 8, columns: 8 })).toThrow(RangeError);
    expect(() => phantomSliceDataset(series, 4)).toThrow(RangeError);
  });
});
