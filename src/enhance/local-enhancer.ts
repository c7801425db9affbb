import type { EnhancementEngine } from './engine.js';
import { toEngineImage } from './engine-image.js';
import { describePreset } from './preset-description.js';
import { resolvePreset, type NodePresets } from './preset-resolver.js';
import type { SliceEnhancer } from './slice-enhancer.js';

/**
 * The node.yaml presets run in-process by the engine, as the pipeline asks for them: what a
 * preset will do, and a series enhanced under it (grey results as R = G = B with their grey plane). With
 * `networkFree`, every preset runs as its network-free twin (estimator only).
 */
export function enginePresets(
  engine: Pick<EnhancementEngine, 'enhanceSeries'>,
  /** The loaded models by id (a ModelCatalog): describe() names the model that will run. */
  registry: { get(id: string): { id: string; version: string; sha256: string } },
  presets: NodePresets,
  o: { networkFree?: boolean } = {},
): Pick<SliceEnhancer, 'describe' | 'enhance'> {
  return {
    describe(name) {
      const preset = resolvePreset(presets, name);
      return describePreset(name, preset, registry.get(preset.model));
    },
    async enhance(images, name, opts) {
      const results = await engine.enhanceSeries(images.map(toEngineImage), resolvePreset(presets, name), {
        ...(o.networkFree ? { networkFree: true } : {}),
        signal: opts.signal,
        firstStream: opts.firstSlice ?? 0,
        ...(opts.blackLevels ? { blackLevels: opts.blackLevels } : {}),
        onProgress: (p) => opts.onProgress?.({ step: p.step, steps: p.total, slice: p.slice }),
      });
      return results.map((r) => ({
        image: r.gray ? { ...r.image, gray: r.gray } : r.image,
        backgroundProtected: r.backgroundProtected,
        applied: r.applied,
        timings: { ...r.timings },
        quality: r.quality ? { ...(r.quality as unknown as Record<string, number>) } : undefined,
      }));
    },
  };
}
