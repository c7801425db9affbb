import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPart10, writePart10, type Dataset } from './part10.js';
import { decodeFrames } from './pixels.js';
import { maskedStats } from './sample-raster.js';
import { cleanAbdomenHu, createLowDoseCtSeries, inLiverRoi, lowDoseCtDataset } from './sample-ct.js';
import { createEndoscopySample, endoscopyDataset, endoscopyFrame } from './sample-endoscopy.js';
import { createMrSampleSeries, mrSampleDataset } from './sample-mr.js';

/**
 * The generated folders of sample-studies/ are what scripts/generate-sample-studies.ts writes
 * today (data sets compared, not file meta). When a generator changes on purpose, regenerate:
 *   npx tsx scripts/generate-sample-studies.ts
 */
const ROOT = join(import.meta.dirname, '..', '..', 'sample-studies');
const REGENERATE = 'sample-studies/ is stale: run `npx tsx scripts/generate-sample-studies.ts`';

function committed(folder: string): Dataset[] {
  return readdirSync(join(ROOT, folder))
    .sort()
    .map((f) => readPart10(readFileSync(join(ROOT, folder, f))).dataset);
}

const roundTrip = (ds: Dataset) => readPart10(writePart10(ds)).dataset;

function pixelBytes(ds: Dataset): Buffer {
  const value = ds.PixelData;
  const chunks = (Array.isArray(value) ? value : [value]) as ArrayBuffer[];
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

/** Same attributes and the same pixel bytes (toEqual alone does not look inside ArrayBuffers). */
function expectSameObject(actual: Dataset, expected: Dataset, label: string): void {
  const { PixelData: _a, ...restActual } = actual;
  const { PixelData: _e, ...restExpected } = expected;
  expect(restActual, label).toEqual(restExpected);
  expect(pixelBytes(actual).equals(pixelBytes(expected)), `${label}: pixel data differ`).toBe(true);
}

describe('generated sample studies', () => {
  it('es-colon: one 640×480 colonoscopy frame, as generated from seed 1', () => {
    const [ds, ...rest] = committed('es-colon');
    expect(rest).toEqual([]);
    expectSameObject(ds, roundTrip(endoscopyDataset(createEndoscopySample(1), endoscopyFrame({ seed: 1 }))), REGENERATE);
  }, 60_000);

  it('mr-brain-t2: ten 256² T2 slices, as generated from seed 1', () => {
    const files = committed('mr-brain-t2');
    const series = createMrSampleSeries({ seed: 1 });
    expect(files).toHaveLength(10);
    files.forEach((ds, i) => expectSameObject(ds, roundTrip(mrSampleDataset(series, i)), `${REGENERATE} (MR${i + 1})`));
  }, 60_000);

  it('ct-lowdose-abdomen: eight contiguous 512² slices of one series with ≈ 40 HU noise, as generated from seed 1', async () => {
    const files = committed('ct-lowdose-abdomen');
    expect(files).toHaveLength(8);
    for (const key of ['StudyInstanceUID', 'SeriesInstanceUID', 'FrameOfReferenceUID']) expect(new Set(files.map((f) => f[key])).size).toBe(1);
    expect(files.map((f) => Number((f.ImagePositionPatient as string[])[2]))).toEqual([0, -3, -6, -9, -12, -15, -18, -21]);
    expect(String(files[0].PatientID)).toMatch(/^DEMO-/);
    const series = createLowDoseCtSeries({ seed: 1 });
    expectSameObject(files[3], roundTrip(lowDoseCtDataset(series, 3)), REGENERATE);
    let variance = 0;
    for (const i of [2, 5]) {
      const hu = (await decodeFrames(readPart10(writePart10(files[i])))).frames[0];
      const clean = cleanAbdomenHu(series.stack, i, 1);
      variance += maskedStats(Float32Array.from(hu, (v, k) => v - 1024 - clean[k]), inLiverRoi(series.stack)).sd ** 2 / 2;
    }
    expect(Math.sqrt(variance)).toBeGreaterThan(30);
    expect(Math.sqrt(variance)).toBeLessThan(50);
  }, 180_000);
});
