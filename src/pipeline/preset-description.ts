import type { EnhancePreset } from '../enhance/preset.js';
import type { PresetDescription } from './stages.js';

/** What a preset will do with a model (the local engine's or a worker's), before any slice runs. */
export function describePreset(name: string, preset: EnhancePreset, model: { id: string; version: string; sha256: string }): PresetDescription {
  return {
    preset: name,
    modelId: model.id,
    modelVersion: model.version,
    modelSha256: model.sha256,
    steps: preset.steps,
    seed: preset.seed,
    params: { ...preset },
  };
}
