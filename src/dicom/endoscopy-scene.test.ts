import { describe, expect, it } from 'vitest';
import { colonRadiance, SCENE, vesselMap } from './endoscopy-scene.js';

describe('colon scene', () => {
  const w = 160;
  const h = 120;
  const scene = colonRadiance(w, h, 3);
  const at = (x: number, y: number, c: number) => scene.data[3 * (y * w + x) + c];

  it('is dark down the lumen and bright on the near wall', () => {
    const lx = Math.round(w / 2 + SCENE.lumenX * (h / 2));
    const ly = Math.round(h / 2 + SCENE.lumenY * (h / 2));
    expect(at(lx, ly, 0)).toBeLessThan(0.05);
    let near = 0;
    for (let x = 2; x < 12; x++) near = Math.max(near, at(x, h / 2, 0));
    expect(near).toBeGreaterThan(0.4);
  });

  it('is reddish mucosa: red above green above blue on average', () => {
    const mean = [0, 1, 2].map((c) => scene.data.reduce((s, v, i) => (i % 3 === c ? s + v : s), 0));
    expect(mean[0]).toBeGreaterThan(mean[1]);
    expect(mean[1]).toBeGreaterThan(mean[2]);
  });

  it('has specular highlights far brighter than the diffuse wall', () => {
    let highlights = 0;
    for (let i = 0; i < w * h; i++) if (scene.data[3 * i + 2] > 1.5) highlights++;
    expect(highlights).toBeGreaterThan(5);
  });

  it('draws a branching vessel network, deterministic from the seed', () => {
    const v = vesselMap(w, h, 9);
    const covered = v.filter((x) => x > 0.2).length / v.length;
    expect(covered).toBeGreaterThan(0.01);
    expect(covered).toBeLessThan(0.3);
    expect(Array.from(vesselMap(w, h, 9))).toEqual(Array.from(v));
    expect(Array.from(vesselMap(w, h, 10))).not.toEqual(Array.from(v));
  });
});
