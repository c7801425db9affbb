import type { EnhancePreset } from './preset.js';

/** What a preset will do, known before any slice runs (for UIDs and provenance). */
export interface PresetDescription {
  preset: string;
  modelId: string;
  modelVersion: string;
  modelSha256: string;
  steps: number;
  seed: number;
  /** Every parameter that affects the output (hashed into the derived Series UID). */
  params: Record<string, unknown>;
}

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
