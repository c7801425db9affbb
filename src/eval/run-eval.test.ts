import { describe, expect, it } from 'vitest';
import type { EnhancementEngine, EnhanceResult } from '../enhance/engine.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import type { EnhancePreset } from '../enhance/preset.js';
import type { EvalImage } from './heldout-set.js';
import { countRuns, runEvaluation } from './run-eval.js';
import { phantomCtGray, endoscopyLikeRgb } from './synthetic-slices.js';

/** Stands in for the engine: returns the clean image it was told about (a perfect enhancer). */
function oracleEngine(clean: Map<number, EngineImage>): EnhancementEngine {
  return {
    async enhance(img: EngineImage): Promise<EnhanceResult> {
      const c = clean.get(img.width)!;
      const image = isGrayImage(c) ? { width: c.width, height: c.height, data: new Uint8Array(3 * c.gray.length) } : c;
      return { image, gray: isGrayImage(c) ? c.gray : undefined, steps: 3, backgroundProtected: true, timings: { totalMs: 1 } } as unknown as EnhanceResult;
    },
  } as unknown as EnhancementEngine;
}

describe('evaluation loop', () => {
  const ct: EvalImage = { name: 'ct', set: 'heldout', header: { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' }, image: phantomCtGray({ rows: 32, columns: 32, t: 0.3, seed: 1 }) };
  const es: EvalImage = { name: 'es', set: 'heldout', header: { Modality: 'ES', PhotometricInterpretation: 'RGB' }, image: endoscopyLikeRgb(24, 24, 1) };
  const presets = { p: { model: 'm' } as EnhancePreset };

  it('scores every image × kind × method; the rules may leave an image without a UniMIE preset', async () => {
    const progress: number[] = [];
    const plan = {
      images: [ct, es],
      kinds: ['low-light', 'blur'] as const,
      baselines: ['input', 'gamma'] as const,
      unimie: [{ column: 'unimie', presetFor: (img: EvalImage) => (img.name === 'ct' ? 'p' : undefined) }],
      presets,
      engine: oracleEngine(new Map<number, EngineImage>([[32, ct.image], [24, es.image]])),
      keepOutputs: true,
      onProgress: (p: { done: number; total: number }) => progress.push(p.done / p.total),
    };
    expect(countRuns(plan)).toBe(2 * 3 + 2 * 2);
    const { rows, pairs } = await runEvaluation(plan);
    expect(rows).toHaveLength(10);
    expect(progress.at(-1)).toBe(1);
    const perfect = rows.find((r) => r.method === 'unimie' && r.kind === 'low-light')!;
    expect(perfect.scores.psnr).toBe(Number.POSITIVE_INFINITY);
    expect(perfect.preset).toBe('p');
    const input = rows.find((r) => r.method === 'input' && r.image === 'ct' && r.kind === 'low-light')!;
    expect(input.scores.psnr).toBeLessThan(25);
    expect(input.backgroundEntropyDelta).toBe(0);
    expect(pairs).toHaveLength(4);
    expect(pairs.find((p) => p.image === 'ct')!.outputs.map((o) => o.method)).toEqual(['input', 'gamma', 'unimie']);
  });

  it('names a preset that node.yaml lacks', async () => {
    await expect(runEvaluation({ images: [ct], kinds: ['blur'], baselines: [], unimie: [{ column: 'u', presetFor: () => 'nope' }], presets })).rejects.toThrow(/nope/);
  });
});
