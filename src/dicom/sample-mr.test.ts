import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrainTissue, brainTissue, T2_SIGNAL } from './brain-anatomy.js';
import { readPart10, writePart10 } from './part10.js';
import { decodeFrames } from './pixels.js';
import { maskedStats } from './sample-raster.js';
import { biasField, cleanT2Signal, createMrSampleSeries, mrSampleDataset, mrSignal } from './sample-mr.js';
import { pixelCentreMm, sliceZ } from './sample-series.js';

const dir = mkdtempSync(join(tmpdir(), 'sample-mr-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const errors = (out: string) => out.split('\n').filter((l) => /^Error/.test(l));

describe('MR sample series', () => {
  const series = createMrSampleSeries({ size: 128, slices: 3, seed: 2 });
  const index = 1;
  const signal = mrSignal(series, index);
  const { stack } = series;
  const z = sliceZ(stack, index);
  const tissueAt = (i: number) => {
    const p = pixelCentreMm(stack, i % stack.columns, Math.floor(i / stack.columns));
    return { ...p, t: brainTissue(p.x, p.y, z) };
  };

  it('adds Rician noise: positive mean in the air, white-matter SNR near the requested 10', () => {
    const air = maskedStats(signal, (i) => {
      const p = tissueAt(i);
      return Math.hypot(p.x, p.y) > 110 && p.t === BrainTissue.Air;
    });
    // Magnitude of pure Gaussian noise: Rayleigh, mean σ·√(π/2).
    expect(air.mean / series.sigma).toBeGreaterThan(1.1);
    expect(air.mean / series.sigma).toBeLessThan(1.4);
    const clean = cleanT2Signal(stack, index);
    const whiteDeep = (i: number) => {
      const p = tissueAt(i);
      return p.t === BrainTissue.White && [-2, 2].every((d) => brainTissue(p.x + d, p.y + d, z) === BrainTissue.White && brainTissue(p.x - d, p.y + d, z) === BrainTissue.White);
    };
    const diff = Float32Array.from(signal, (v, i) => v - clean[i] * biasField(tissueAt(i).x, tissueAt(i).y, z, series.bias));
    const noise = maskedStats(diff, whiteDeep);
    expect(noise.n).toBeGreaterThan(200);
    expect(noise.sd / series.sigma).toBeGreaterThan(0.85);
    expect(noise.sd / series.sigma).toBeLessThan(1.15);
    expect(T2_SIGNAL[BrainTissue.White] / series.sigma).toBeCloseTo(10, 9);
    expect(Array.from(mrSignal(series, index))).toEqual(Array.from(signal));
  });

  it('has a smooth bias field of about ±20 %', () => {
    const values: number[] = [];
    for (let x = -70; x <= 70; x += 10) for (let y = -90; y <= 90; y += 10) values.push(biasField(x, y, 20, series.bias));
    expect(Math.max(...values) / Math.min(...values)).toBeGreaterThan(1.25);
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(2);
    expect(Math.abs(biasField(0, 0, 20, series.bias) - biasField(1, 0, 20, series.bias))).toBeLessThan(0.01);
  });

  it('stores 12-bit MR images with real geometry and passes dciodvfy and dcentvfy', async () => {
    const slices = [0, 1, 2].map((i) => mrSampleDataset(series, i, i === index ? signal : undefined));
    expect(new Set(slices.map((s) => s.SeriesInstanceUID)).size).toBe(1);
    expect(slices.map((s) => Number((s.ImagePositionPatient as string[])[2]))).toEqual([48, 42, 36]);
    expect(slices[0].PatientID).toBe('DEMO-MR-2');
    const decoded = await decodeFrames(readPart10(writePart10(slices[1])));
    expect(Math.max(...decoded.frames[0])).toBeLessThanOrEqual(4095);
    expect(decoded.frames[0][64 * 128 + 64]).toBe(Math.round(signal[64 * 128 + 64] * 2000));
    const paths = slices.map((s, i) => {
      const path = join(dir, `MR${i}.dcm`);
      writeFileSync(path, writePart10(s));
      return path;
    });
    const v = spawnSync('dciodvfy', [paths[0]], { encoding: 'utf8' });
    expect(`${v.stdout}${v.stderr}`).toMatch(/MRImage/);
    expect(errors(`${v.stdout}${v.stderr}`)).toEqual([]);
    const e = spawnSync('dcentvfy', paths, { encoding: 'utf8' });
    expect(errors(`${e.stdout}${e.stderr}`)).toEqual([]);
    expect(e.status).toBe(0);
  });

  it('refuses impossible options', () => {
    expect(() => createMrSampleSeries({ size: 4 })).toThrow(RangeError);
    expect(() => createMrSampleSeries({ snr: 0 })).toThrow(RangeError);
  });
});
