import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import { recordModelLoaded } from '../provenance/derivations.js';
import type { EnhancementEngine } from '../enhance/engine.js';
import type { ModelCatalog } from '../enhance/model-registry.js';
import { ThreadedEngine } from '../enhance/threaded-engine.js';
import type { EnhancePreset } from '../enhance/preset.js';
import { ConfigError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { describePreset } from './preset-description.js';
import type { SliceEnhancer } from './stages.js';
import type { EngineImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { rgbToGray } from '../render/index.js';

/**
 * Grey slices go to the engine as their grey plane, so the output stays grey. A colour image whose
 * channels all turn out equal (a grey picture stored as RGB) is enhanced as grey too.
 */
export function toEngineImage(image: RgbImage): EngineImage {
  if (image.gray) return { width: image.width, height: image.height, gray: image.gray };
  const d = image.data;
  for (let i = 0; i < d.length; i += 3) {
    if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return image;
  }
  return { width: image.width, height: image.height, gray: rgbToGray(image) };
}

/**
 * Loads every model the presets name (once, kept warm, on the engine thread so enhancement never
 * holds the node's event loop), records them in the provenance database and adapts the engine to
 * the pipeline. A model that fails to load disables only its presets;
 * a job asking for a disabled preset fails with the model's problem. Returns undefined when no
 * preset is configured (render-only node).
 */
export async function createEngineEnhancer(config: LoadedConfig, db: Db, log: Logger): Promise<SliceEnhancer | undefined> {
  const presets = config.presets;
  if (Object.keys(presets).length === 0) return undefined;
  const ids = new Set(Object.values(presets).map((p) => p.model));
  const manifestPaths = Object.fromEntries([...ids].filter((id) => config.models[id]).map((id) => [id, config.models[id]!.manifest]));
  const devices = Object.fromEntries([...ids].filter((id) => config.models[id]).map((id) => [id, config.models[id]!.device]));
  const engine = await ThreadedEngine.open(ids, { modelsDir: 'model', manifestPaths, devices, logger: log.child({ stage: 'enhance' }) });
  const registry = engine.catalog;
  for (const m of registry.loaded()) {
    recordModelLoaded(db, { id: m.id, sha256: m.sha256, version: m.version, path: m.manifestPath, device: m.device });
  }
  const availability = registry.availability(presets as Record<string, { model: string }>);
  for (const d of availability.disabled) log.error({ stage: 'enhance', preset: d.preset, model: d.model, problem: d.problem }, 'preset disabled');

  const models = [
    ...registry.loaded().map((m) => ({ id: m.id, sha256: m.sha256, version: m.version, device: m.device, loaded: true, ...(m.fallbackReason ? { note: m.fallbackReason } : {}) })),
    ...[...registry.problems()].map(([id, problem]) => ({ id, loaded: false, problem })),
  ];
  return {
    models: () => models,
    executorStatus: async () => ({ kind: 'local' }),
    ...enginePresets(engine, registry, presets),
    close: () => engine.close(),
  };
}

/**
 * The node.yaml presets run in-process by the engine, as the pipeline asks for them: what a
 * preset will do, and a series enhanced under it (grey results as R = G = B with their grey plane). With
 * `networkFree`, every preset runs as its network-free twin (estimator only).
 */
export function enginePresets(
  engine: Pick<EnhancementEngine, 'enhanceSeries'>,
  registry: Pick<ModelCatalog, 'get'>,
  presets: LoadedConfig['presets'],
  o: { networkFree?: boolean } = {},
): Pick<SliceEnhancer, 'describe' | 'enhance'> {
  const presetOf = (name: string): EnhancePreset => {
    const p = presets[name];
    if (!p) throw new ConfigError(`enhancement preset "${name}" is not defined in node.yaml`);
    const { name: _name, ...rest } = p;
    return rest as EnhancePreset;
  };
  return {
    describe(name) {
      const preset = presetOf(name);
      return describePreset(name, preset, registry.get(preset.model));
    },
    async enhance(images, name, opts) {
      const results = await engine.enhanceSeries(images.map(toEngineImage), presetOf(name), {
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
