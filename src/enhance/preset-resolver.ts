import type { LoadedConfig } from '../config/load.js';
import { ConfigError } from '../shared/errors.js';
import type { EnhancePreset } from './preset.js';

/** The node.yaml presets as loaded: each resolved against the schema's defaults, with its name. */
export type NodePresets = LoadedConfig['presets'];

/**
 * The engine's preset for a node.yaml preset name, for every executor alike: the resolved config
 * preset without its name, as a copy of its own (the loaded config is frozen and a reload replaces
 * it while a batch is queued). Throws ConfigError for a name node.yaml does not define.
 */
export function resolvePreset(presets: NodePresets, name: string): EnhancePreset {
  const entry = presets[name];
  if (!entry) throw new ConfigError(`enhancement preset "${name}" is not defined in node.yaml`);
  const { name: _name, ...preset } = entry;
  return structuredClone(preset) as EnhancePreset;
}
