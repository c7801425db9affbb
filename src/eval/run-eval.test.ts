import { describe, expect, it } from 'vitest';
import type { EnhanceOptions, EnhanceResult } from '../enhance/engine.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import type { EnhancePreset } from '../enhance/preset.js';
import type { EvalImage } from './heldout-set.js';
import { countRuns, kindsFor, runEvaluation, twinOf, type EvalEngine } from './run-eval.js';
import { phantomCtGray, endoscopyLikeRgb } from './synthetic-slices.js';

/**
 * Stands in for the engine: returns the clean image it was told about (a perfect enhancer); its
 * network-free twin returns the degraded input unchanged.
 */
function oracleEngine(clean: Map<number, EngineImage>, calls: boolean[] = []): EvalEngine {
  return {
    async enhance(img: EngineImage, _preset: EnhancePreset, opts: EnhanceOptions = {}): Promise<EnhanceResult> {
      calls.push(opts.networkFree === true);
      const c = opts.networkFree ? img : clean.get(img.width)!;
      const image = isGrayImage(c) ? { width: c.width, height: c.height, data: new Uint8Array(3 * c.gray.length) } : c;
      const applied = { estimator: opts.networkFree ? 'network-free' : 'network', networkEvaluationsPerPatch: opts.networkFree ? 0 : 3 };
      return { image, gray: isGrayImage(c) ? c.gray : undefined, steps: 3, backgroundProtected: true, timings: { totalMs: 1 }, applied, modelId: 'm', modelSha256: 'h' } as unknown as EnhanceResult;
    },
  };
}

describe('evaluation loop', () => {
  const ct: EvalImage = { name: 'ct', set: 'heldout', header: { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' }, image: phantomCtGray({ rows: 32, columns: 32, t: 0.3, seed: 1 }) };
  const es: EvalImage = { name: 'es', set: 'heldout', header: { Modality: 'ES', PhotometricInterpretation: 'RGB' }, image: endoscopyLikeRgb(24, 24, 1) };
  const presets = { p: { model: 'm' } as EnhancePreset };
  const engine = () => oracleEngine(new Map<number, EngineImage>([[32, ct.image], [24, es.image]]));

  it('skips the kinds that do not apply to a modality', () => {
    expect(kindsFor(ct, ['low-light', 'blur', 'mr-rician', 'low-dose-ct'])).toEqual(['blur', 'low-dose-ct']);
    expect(kindsFor(es, ['low-light', 'blur', 'mr-rician', 'low-dose-ct'])).toEqual(['low-light', 'blur']);
  });

  it('scores every image × kind × method; the rules may leave an image without a UniMIE preset', async () => {
    const progress: number[] = [];
    const plan = {
      images: [ct, es],
      kinds: ['low-light', 'blur', 'low-dose-ct'] as const,
      baselines: ['input', 'gamma'] as const,
      unimie: [{ column: 'unimie', presetFor: (img: EvalImage) => (img.name === 'ct' ? 'p' : undefined) }],
      presets,
      engine: engine(),
      keepOutputs: true,
      onProgress: (p: { done: number; total: number }) => progress.push(p.done / p.total),
    };
    // ct: 2 kinds × (2 baselines + 1 preset); es: 2 kinds × 2 baselines (low-dose-ct is CT only,
    // low light is for camera images).
    expect(countRuns(plan)).toBe(6 + 4);
    const { rows, pairs } = await runEvaluation(plan);
    expect(rows).toHaveLength(10);
    expect(progress.at(-1)).toBe(1);
    const perfect = rows.find((r) => r.method === 'unimie' && r.kind === 'low-dose-ct')!;
    expect(perfect.scores.psnr).toBe(Number.POSITIVE_INFINITY);
    expect(perfect.preset).toBe('p');
    expect(perfect.model).toEqual({ id: 'm', sha256: 'h' });
    expect(perfect.applied?.estimator).toBe('network');
    const input = rows.find((r) => r.method === 'input' && r.image === 'ct' && r.kind === 'low-dose-ct')!;
    expect(input.scores.psnr).toBeLessThan(40);
    // Background changes count only what neither the input nor the clean image has.
    expect(input.backgroundEntropyChange).toBeLessThanOrEqual(0);
    expect(input.backgroundGradientChange).toBeLessThanOrEqual(0);
    expect(Math.max(input.backgroundEntropyChange, perfect.backgroundEntropyChange)).toBe(0);
    expect(Math.max(input.backgroundGradientChange, perfect.backgroundGradientChange)).toBe(0);
    expect(input.backgroundFraction).toBeGreaterThan(0);
    expect(rows.some((r) => r.image === 'es' && r.kind === 'low-dose-ct')).toBe(false);
    expect(rows.some((r) => r.image === 'ct' && r.kind === 'low-light')).toBe(false);
    expect(pairs).toHaveLength(4);
    expect(pairs.find((p) => p.image === 'ct')!.outputs.map((o) => o.method)).toEqual(['input', 'gamma', 'unimie']);
  });

  it('runs each UniMIE column beside its network-free twin and measures their agreement', async () => {
    const calls: boolean[] = [];
    const plan = {
      images: [ct],
      kinds: ['low-dose-ct', 'blur'] as const,
      baselines: ['input'] as const,
      unimie: [{ column: 'u', presetFor: () => 'p' }],
      presets,
      engine: oracleEngine(new Map<number, EngineImage>([[32, ct.image]]), calls),
      ablate: true,
    };
    expect(countRuns(plan)).toBe(2 * 3);
    const { rows } = await runEvaluation(plan);
    expect(calls).toEqual([false, true, false, true]);
    const twin = rows.filter((r) => r.method === twinOf('u'));
    expect(twin.map((r) => r.kind)).toEqual(['low-dose-ct', 'blur']);
    expect(twin[0]!.applied?.estimator).toBe('network-free');
    // The twin returns the degraded input: it scores as the input, and agrees with the perfect
    // output as well as the input agrees with the clean image.
    for (const t of twin) {
      const inp = rows.find((r) => r.method === 'input' && r.kind === t.kind)!;
      expect(t.scores.psnr).toBeCloseTo(inp.scores.psnr, 10);
      expect(t.agreementDb).toBeCloseTo(inp.scores.psnr, 10);
    }
    expect(rows.find((r) => r.method === 'u')!.agreementDb).toBeUndefined();
  });

  it('degrades the noisy kinds with the same seeded noise on every run', async () => {
    const plan = { images: [ct], kinds: ['low-dose-ct'] as const, baselines: ['input'] as const, unimie: [], presets };
    const [a, b] = [await runEvaluation(plan), await runEvaluation(plan)];
    expect(a.rows[0]!.scores).toEqual(b.rows[0]!.scores);
    expect(a.rows[0]!.scores.psnr).toBeLessThan(40);
  });

  it('names a preset that node.yaml lacks', async () => {
    await expect(runEvaluation({ images: [ct], kinds: ['blur'], baselines: [], unimie: [{ column: 'u', presetFor: () => 'nope' }], presets, engine: engine() })).rejects.toThrow(/nope/);
  });
});
