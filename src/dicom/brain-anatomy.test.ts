import { describe, expect, it } from 'vitest';
import { BrainTissue, brainTissue, sulcusDistance, T2_SIGNAL } from './brain-anatomy.js';

describe('head anatomy', () => {
  it('has scalp, skull, CSF, cortex and white matter from outside in (frontal), temporalis at the side', () => {
    const seen: number[] = [];
    for (let y = -110; y <= -40; y += 0.25) {
      const t = brainTissue(-25, y, 20);
      if (seen.at(-1) !== t) seen.push(t);
    }
    const order = [BrainTissue.Air, BrainTissue.Skin, BrainTissue.Fat, BrainTissue.Bone, BrainTissue.Diploe, BrainTissue.Bone, BrainTissue.Csf];
    expect(seen.slice(0, order.length)).toEqual(order);
    expect(seen).toContain(BrainTissue.Grey);
    expect(seen).toContain(BrainTissue.White);
    const lateral = new Set<number>();
    for (let x = -80; x <= -60; x += 0.25) lateral.add(brainTissue(x, 0, 10));
    expect(lateral).toContain(BrainTissue.Muscle);
  });

  it('places ventricles, deep grey matter, the falx and the lesions', () => {
    expect(brainTissue(0, -110, 0)).toBe(BrainTissue.Air);
    expect(brainTissue(-5, -10, 10)).toBe(BrainTissue.Csf); // frontal horn
    expect(brainTissue(26, -2, 0)).toBe(BrainTissue.DeepGrey); // lentiform nucleus
    expect(brainTissue(0, 70, 10)).toBe(BrainTissue.Csf); // interhemispheric fissure
    expect(brainTissue(-30, 0, 30)).toBe(BrainTissue.White); // centrum semiovale
    expect(brainTissue(-21, -18, 18)).toBe(BrainTissue.Lesion);
  });

  it('folds the cortex: sulci at the surface, none deep in the white matter', () => {
    let sulcal = 0;
    for (let a = 0; a < 2 * Math.PI; a += 0.01) if (sulcusDistance(a, 60, 3, 20) < 0.8) sulcal++;
    expect(sulcal).toBeGreaterThan(15); // about 34 clefts around the convexity
    expect(sulcal).toBeLessThan(200);
    expect(sulcusDistance(1, 60, 40, 20)).toBeGreaterThan(10);
  });

  it('has T2 contrast: CSF > grey > white, bone dark', () => {
    expect(T2_SIGNAL[BrainTissue.Csf]).toBeGreaterThan(T2_SIGNAL[BrainTissue.Grey]);
    expect(T2_SIGNAL[BrainTissue.Grey]).toBeGreaterThan(T2_SIGNAL[BrainTissue.White]);
    expect(T2_SIGNAL[BrainTissue.Bone]).toBeLessThan(0.1);
    for (const t of Object.values(BrainTissue)) expect(T2_SIGNAL[t]).toBeGreaterThanOrEqual(0);
  });
});
