import { describe, expect, it } from 'vitest';
import { grayToRgb } from '../render/colour.js';
import { ConfigError } from '../shared/errors.js';
import type { AppliedProcessing } from './applied-processing.js';
import type { EnhanceOptions, EnhanceResult, EnhancementEngine } from './engine.js';
import type { EngineImage } from './image-planes.js';
import { enginePresets } from './local-enhancer.js';
import { DEFAULT_PRESET, type EnhancePreset } from './preset.js';
import type { NodePresets } from './preset-resolver.js';

const MODEL = { id: 'unimie-adm256', version: '1.2', sha256: 'ab'.repeat(32) };
const presets: NodePresets = { fast: { ...DEFAULT_PRESET, name: 'fast', model: MODEL.id, steps: 4 } };
const APPLIED: AppliedProcessing = {
  estimator: 'network',
  networkEvaluationsPerPatch: 4,
  startTimestep: 999,
  anchoredStart: false,
  patchSize: 256,
  stride: 128,
  patchesPerImage: 1,
  classical: [],
};

/** An engine that inverts grey planes and records what it was asked. */
function invertingEngine() {
  const calls: Array<{ images: readonly EngineImage[]; preset: EnhancePreset; opts: EnhanceOptions }> = [];
  const engine: Pick<EnhancementEngine, 'enhanceSeries'> = {
    async enhanceSeries(images, preset, opts = {}) {
      calls.push({ images, preset, opts });
      opts.onProgress?.({ step: 2, total: 4, etaMs: null, slice: 0, slices: images.length });
      return images.map((img): EnhanceResult => {
        const gray = (img as { gray: Uint8Array }).gray.map((v) => 255 - v);
        return {
          image: grayToRgb(gray, img.width, img.height),
          gray,
          modelId: MODEL.id,
          modelSha256: MODEL.sha256,
          modelVersion: MODEL.version,
          seed: preset.seed,
          steps: preset.steps,
          timings: { totalMs: 5, modelMs: 3 } as EnhanceResult['timings'],
          backgroundProtected: false,
          conditioning: { stretched: false, gamma: 1, backgroundFraction: 0 },
          applied: APPLIED,
        };
      });
    },
  };
  return { engine, calls };
}

describe('enginePresets', () => {
  it('describes a node.yaml preset with the model the registry holds', () => {
    const { engine } = invertingEngine();
    const d = enginePresets(engine, { get: () => MODEL }, presets).describe('fast');
    expect(d).toMatchObject({ preset: 'fast', modelId: MODEL.id, modelSha256: MODEL.sha256, steps: 4, seed: DEFAULT_PRESET.seed });
  });

  it('hands the engine grey planes, the resolved preset and the slice streams, and gives back grey results', async () => {
    const { engine, calls } = invertingEngine();
    const progress: unknown[] = [];
    const out = await enginePresets(engine, { get: () => MODEL }, presets, { networkFree: true }).enhance([grayToRgb(Uint8Array.of(0, 200), 2, 1)], 'fast', {
      signal: new AbortController().signal,
      firstSlice: 7,
      blackLevels: [0.1],
      onProgress: (p) => progress.push(p),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.images).toEqual([{ width: 2, height: 1, gray: Uint8Array.of(0, 200) }]);
    expect(calls[0]!.preset).toEqual({ ...DEFAULT_PRESET, model: MODEL.id, steps: 4 });
    expect(calls[0]!.opts).toMatchObject({ networkFree: true, firstStream: 7, blackLevels: [0.1] });
    expect(progress).toEqual([{ step: 2, steps: 4, slice: 0 }]);
    expect(out[0]!.image.gray).toEqual(Uint8Array.of(255, 55));
    expect(Array.from(out[0]!.image.data)).toEqual([255, 255, 255, 55, 55, 55]);
    expect(out[0]!.applied).toBe(APPLIED);
  });

  it('refuses a preset node.yaml does not define', async () => {
    const { engine, calls } = invertingEngine();
    const local = enginePresets(engine, { get: () => MODEL }, presets);
    expect(() => local.describe('slow')).toThrow(ConfigError);
    await expect(local.enhance([], 'slow', { signal: new AbortController().signal })).rejects.toThrow(ConfigError);
    expect(calls).toEqual([]);
  });
});
