import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET } from './preset.js';
import { describePreset } from './preset-description.js';

describe('describePreset', () => {
  it('names the preset and model and keeps every output-affecting parameter', () => {
    const preset = { ...DEFAULT_PRESET, model: 'unimie-adm256', steps: 17, seed: 42 };
    const d = describePreset('fast', preset, { id: 'unimie-adm256', version: '1.2', sha256: 'ab'.repeat(32) });
    expect(d).toEqual({ preset: 'fast', modelId: 'unimie-adm256', modelVersion: '1.2', modelSha256: 'ab'.repeat(32), steps: 17, seed: 42, params: preset });
    expect(d.params).not.toBe(preset);
  });
});
