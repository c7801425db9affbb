import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { accumulatePatch, cropPatch, divideByCounts, overlapCounts, patchCorners, patchStarts, resizeBilinear, workingSize } from './tiling.js';

describe('tiling (spec §5 grid, §8.5–8.6)', () => {
  it('builds pos(L) with the last start appended even if present', () => {
    expect(patchStarts(512, 256, 128)).toEqual([0, 128, 256, 256]);
    expect(patchStarts(256, 256, 128)).toEqual([0, 0]);
    expect(patchStarts(400, 256, 128)).toEqual([0, 128, 144]);
    expect(() => patchStarts(255, 256, 128)).toThrow(RangeError);
  });

  it('512² count map is the outer product of band counts [1,2,3,2] per 128 px; every pixel ≥ 1', () => {
    const corners = patchCorners(512, 512, 256, 128);
    expect(corners.reduce((s, c) => s + c.weight, 0)).toBe(16);
    expect(corners.length).toBe(9);
    const count = overlapCounts(512, 512, 256, corners);
    const band = [1, 2, 3, 2];
    for (let y = 0; y < 512; y += 37) for (let x = 0; x < 512; x += 41) expect(count[y * 512 + x]).toBe(band[y >> 7]! * band[x >> 7]!);
    for (const [H, W] of [[304, 256], [400, 272], [256, 1024]] as const) {
      const c = overlapCounts(H, W, 256, patchCorners(H, W, 256, 128));
      expect(c.reduce((a, b) => Math.min(a, b), Infinity)).toBeGreaterThanOrEqual(1);
    }
  });

  it('averaging crops of any field returns the field; a constant stays constant (§8.6)', () => {
    const H = 48;
    const W = 80;
    const p = 32;
    const rng = createRng(3);
    const field = new Float32Array(3 * H * W).map(() => rng.normal());
    const corners = patchCorners(H, W, p, 24);
    const count = overlapCounts(H, W, p, corners);
    const acc = new Float64Array(3 * H * W);
    const patch = new Float32Array(3 * p * p);
    for (const c of corners) {
      cropPatch(field, 3, H, W, c.y, c.x, p, patch);
      accumulatePatch(acc, 3, H, W, c.y, c.x, p, patch, c.weight);
    }
    const out = new Float32Array(3 * H * W);
    divideByCounts(acc, 3, count, out);
    out.forEach((v, i) => expect(v).toBeCloseTo(field[i]!, 5));
  });

  it('chooses the working size: nearest multiple of 16, ties up, at least the patch', () => {
    expect(workingSize(300, 256)).toBe(304);
    expect(workingSize(200, 256)).toBe(256);
    expect(workingSize(1, 256)).toBe(256);
    expect(workingSize(520, 256)).toBe(528); // 32.5 → tie → up
    expect(workingSize(519, 256)).toBe(512);
    expect(workingSize(512, 256)).toBe(512);
  });

  it('resizes like torch bilinear align_corners=False without antialias', () => {
    // values computed with torch.nn.functional.interpolate for a 1×1×2×3 input to 3×2
    const src = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const up = resizeBilinear(src, 1, 2, 3, 3, 2);
    // out x: src = 1.5(x+.5)−.5 → 0.25, 1.75; out y: src = (2/3)(y+.5)−.5 → 0 (clamped), 0.5, 1.1667
    const row = (r: number, x: number) => {
      const top = r < 1 ? 0 : 3;
      return top + x;
    };
    const expect00 = row(0, 0.25);
    expect(up[0]).toBeCloseTo(expect00, 6);
    expect(up[1]).toBeCloseTo(1.75, 6);
    expect(up[2]).toBeCloseTo(0.25 + 0.5 * 3, 6);
    expect(up[4]).toBeCloseTo(0.25 + 3, 6); // y src 1.1667 → clamped to the last row
    const same = resizeBilinear(src, 1, 2, 3, 2, 3);
    expect([...same]).toEqual([...src]);
    const constant = resizeBilinear(new Float32Array(3 * 7 * 5).fill(0.3), 3, 7, 5, 256, 304);
    constant.forEach((v) => expect(v).toBeCloseTo(0.3, 6));
  });
});
