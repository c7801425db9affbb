import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('rng', () => {
  it('is reproducible per (seed, stream) and differs across seeds and streams', () => {
    const a = new Float64Array(1000);
    const b = new Float64Array(1000);
    createRng(42).fillNormal(a);
    createRng(42).fillNormal(b);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    createRng(43).fillNormal(b);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false);
    createRng(42, 1).fillNormal(b);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false);
  });

  it('draws standard normals and uniforms in [0, 1)', () => {
    const rng = createRng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
    const u = new Float64Array(10_000);
    rng.fillUniform(u);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(() => createRng(-1)).toThrow(RangeError);
  });
});
