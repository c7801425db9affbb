import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { PresetSchema, presetDefaults } from './preset-schema.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `node:
  aeTitle: UNIMIE
listeners:
  - name: main
    aeTitle: UNIMIE
    allow:
      - aeTitle: STORESCU
        hosts: [127.0.0.1]
destinations:
  outbox: { kind: folder, path: ../out }
models:
  embedded: { manifest: ../model/embedded/manifest.yaml }
presets:
  ct: { model: embedded, steps: 25, exposureTarget: 0.3 }
  bare: { model: embedded }
`;
const RULES = `rules:
  - name: default
    default: true
    actions: { drop: true }
`;

describe('preset defaults', () => {
  const config = parseConfig({ node: { file: '/etc/unimie/node.yaml', text: NODE }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } });

  it('give every knob but the model a default, so the engine needs none of its own', () => {
    const knobs = Object.keys(PresetSchema.properties).filter((k) => k !== 'model');
    expect(Object.keys(presetDefaults()).sort()).toEqual(knobs.sort());
    expect(PresetSchema.required).toEqual(['model']);
  });

  it('fill a partial preset from node.yaml with exactly the schema defaults', () => {
    expect(config.presets.ct).toEqual({ ...presetDefaults(), model: 'embedded', steps: 25, exposureTarget: 0.3, name: 'ct' });
    expect(config.presets.bare).toEqual({ ...presetDefaults(), model: 'embedded', name: 'bare' });
  });
});
