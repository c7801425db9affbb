import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from './part10.js';
import { decodeFrames } from './pixels.js';
import { bt709, createEndoscopySample, endoscopyDataset, endoscopyFrame, vignetting } from './sample-endoscopy.js';

const dir = mkdtempSync(join(tmpdir(), 'sample-es-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('endoscopy sample frame', () => {
  const frame = endoscopyFrame({ width: 200, height: 150, seed: 4 });
  const px = (x: number, y: number) => Array.from(frame.data.subarray(3 * (y * 200 + x), 3 * (y * 200 + x) + 3));

  it('is black outside the image circle, underexposed inside, with saturated highlights', () => {
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(199, 149)).toEqual([0, 0, 0]);
    let sum = 0;
    let n = 0;
    let saturated = 0;
    for (let y = 0; y < 150; y++) {
      for (let x = 0; x < 200; x++) {
        if (Math.hypot(x - 100, y - 75) > 60) continue;
        const [r, g, b] = px(x, y);
        sum += (r + g + b) / 3;
        n++;
        if (r > 250 && g > 250 && b > 250) saturated++;
      }
    }
    expect(sum / n).toBeLessThan(90);
    expect(sum / n).toBeGreaterThan(15);
    expect(saturated).toBeGreaterThan(0);
  });

  it('carries sensor noise (a noiseless sensor gives another frame); one seed repeats', () => {
    expect(Array.from(endoscopyFrame({ width: 200, height: 150, seed: 4 }).data)).toEqual(Array.from(frame.data));
    const noiseless = endoscopyFrame({ width: 200, height: 150, seed: 4, fullWellElectrons: 1e9, readNoiseElectrons: 0 });
    let diff = 0;
    for (let i = 0; i < frame.data.length; i++) diff += (frame.data[i] - noiseless.data[i]) ** 2;
    expect(Math.sqrt(diff / frame.data.length)).toBeGreaterThan(1.5);
  });

  it('uses the BT.709 curve and a vignette darkening the edge', () => {
    expect(bt709(0)).toBe(0);
    expect(bt709(1)).toBeCloseTo(1, 9);
    expect(bt709(0.01)).toBeCloseTo(0.045, 9);
    expect(bt709(0.18)).toBeCloseTo(0.409, 2);
    expect(vignetting(0)).toBe(1);
    expect(vignetting(1)).toBeCloseTo(0.38, 9);
  });

  it('is a VL Endoscopic Image that round-trips and passes dciodvfy', async () => {
    const ds = endoscopyDataset(createEndoscopySample(4), frame);
    expect(ds.PatientID).toBe('DEMO-ES-4');
    const decoded = await decodeFrames(readPart10(writePart10(ds)));
    expect(Array.from(decoded.frames[0])).toEqual(Array.from(frame.data));
    const path = join(dir, 'ES.dcm');
    writeFileSync(path, writePart10(ds));
    const v = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
    const out = `${v.stdout}${v.stderr}`;
    expect(out).toMatch(/VLEndoscopicImage/);
    expect(out.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    expect(() => endoscopyFrame({ width: 8 })).toThrow(RangeError);
  });
});
