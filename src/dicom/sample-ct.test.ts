import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from './part10.js';
import { decodeFrames } from './pixels.js';
import { maskedStats } from './sample-raster.js';
import { cleanAbdomenHu, createLowDoseCtSeries, inLiverRoi, lowDoseCtDataset, lowDoseCtHu } from './sample-ct.js';

const dir = mkdtempSync(join(tmpdir(), 'sample-ct-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const errors = (out: string) => out.split('\n').filter((l) => /^Error/.test(l));

describe('low-dose CT sample series', () => {
  const series = createLowDoseCtSeries({ size: 128, slices: 3, seed: 5 });
  const hu = lowDoseCtHu(series, 1);

  it('has noise of the requested σ in the liver, absent from the clean image, and deterministic', () => {
    const clean = cleanAbdomenHu(series.stack, 1, 5);
    const roi = inLiverRoi(series.stack);
    expect(maskedStats(clean, roi).mean).toBeGreaterThan(50); // liver, 62 HU less vessels
    expect(maskedStats(clean, roi).sd).toBeLessThan(20); // texture and vessels, well below the noise
    // One small, correlated-noise region scatters by ±25 %: pool the three slices.
    let variance = 0;
    for (const i of [0, 1, 2]) {
      const noisy = i === 1 ? hu : lowDoseCtHu(series, i);
      const c = cleanAbdomenHu(series.stack, i, 5);
      variance += maskedStats(Float32Array.from(noisy, (v, k) => v - c[k]), roi).sd ** 2 / 3;
    }
    expect(Math.sqrt(variance)).toBeGreaterThan(32);
    expect(Math.sqrt(variance)).toBeLessThan(48);
    expect(Array.from(lowDoseCtHu(series, 1))).toEqual(Array.from(hu));
    const quieter = createLowDoseCtSeries({ size: 128, slices: 3, seed: 5, noiseSdHu: 20 });
    expect(quieter.photons / series.photons).toBeGreaterThan(3); // σ ∝ 1/√photons
    expect(quieter.photons / series.photons).toBeLessThan(5);
  });

  it('keeps air at −1000 ± noise and −1024 outside the reconstruction circle', () => {
    expect(hu[0]).toBe(-1024);
    expect(Math.min(...hu)).toBeGreaterThanOrEqual(-1024);
    expect(Math.max(...hu)).toBeLessThanOrEqual(3071);
  });

  it('stores HU + 1024 as 16-bit signed with real geometry, one study, series and frame of reference', async () => {
    const slices = [0, 1, 2].map((i) => lowDoseCtDataset(series, i, i === 1 ? hu : undefined));
    for (const key of ['StudyInstanceUID', 'SeriesInstanceUID', 'FrameOfReferenceUID'] as const) expect(new Set(slices.map((s) => s[key])).size).toBe(1);
    expect(new Set(slices.map((s) => s.SOPInstanceUID)).size).toBe(3);
    expect(slices.map((s) => Number((s.ImagePositionPatient as string[])[2]))).toEqual([0, -3, -6]);
    expect(slices[0].PixelSpacing).toEqual(['2.8', '2.8']);
    expect(slices[0].PatientID).toBe('DEMO-CT-5');
    const file = readPart10(writePart10(slices[1]));
    const decoded = await decodeFrames(file);
    expect(Array.from(decoded.frames[0]).slice(0, 5000)).toEqual(Array.from(hu.slice(0, 5000), (v) => Math.round(v + 1024)));
  });

  it('passes dciodvfy as CT Image Storage and dcentvfy across the series', () => {
    const paths = [0, 1, 2].map((i) => {
      const path = join(dir, `CT${i}.dcm`);
      writeFileSync(path, writePart10(lowDoseCtDataset(series, i, i === 1 ? hu : undefined)));
      return path;
    });
    const v = spawnSync('dciodvfy', [paths[1]], { encoding: 'utf8' });
    expect(`${v.stdout}${v.stderr}`).toMatch(/CTImage/);
    expect(errors(`${v.stdout}${v.stderr}`)).toEqual([]);
    const e = spawnSync('dcentvfy', paths, { encoding: 'utf8' });
    expect(errors(`${e.stdout}${e.stderr}`)).toEqual([]);
    expect(e.status).toBe(0);
  });

  it('refuses impossible options', () => {
    expect(() => createLowDoseCtSeries({ size: 8 })).toThrow(RangeError);
    expect(() => createLowDoseCtSeries({ size: 64, slices: 0 })).toThrow(RangeError);
  });
});
