import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import { recordModelLoaded } from '../provenance/derivations.js';
import { enginePresets } from '../enhance/local-enhancer.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import { ThreadedEngine } from '../enhance/threaded-engine.js';
import type { Logger } from '../shared/log.js';

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
