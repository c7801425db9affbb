import { describe, expect, it } from 'vitest';
import { PresetSchema } from '../../src/config/preset-schema.js';
import { applyDefaults } from '../../src/config/validate.js';
import { DEFAULT_PRESET } from '../../src/enhance/preset.js';

describe('preset defaults', () => {
  it('a preset that names only its model gets exactly the engine’s tuned default', () => {
    expect(applyDefaults(PresetSchema, { model: 'embedded' })).toEqual({ ...DEFAULT_PRESET, model: 'embedded' });
  });
});
