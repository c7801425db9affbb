import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { DEFAULT_PRESET } from './preset.js';
import { resolvePreset, type NodePresets } from './preset-resolver.js';

const presets: NodePresets = Object.freeze({
  fast: Object.freeze({ ...DEFAULT_PRESET, name: 'fast', model: 'unimie-adm256', steps: 4 }),
});

describe('resolvePreset', () => {
  it('gives the engine the configured preset without its name, as a copy it may change', () => {
    const preset = resolvePreset(presets, 'fast');
    expect(preset).toEqual({ ...DEFAULT_PRESET, model: 'unimie-adm256', steps: 4 });
    expect(preset).not.toHaveProperty('name');
    expect(Object.isFrozen(preset)).toBe(false);
    preset.steps = 9;
    expect(presets.fast!.steps).toBe(4);
  });

  it('refuses a preset name node.yaml does not define', () => {
    expect(() => resolvePreset(presets, 'slow')).toThrow(ConfigError);
    expect(() => resolvePreset(presets, 'slow')).toThrow('enhancement preset "slow" is not defined in node.yaml');
  });
});
