import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from './json-schema.js';
// node.yaml's destination kinds are registered by the export stage.
import '../export/destination-kinds.js';

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

describe('published JSON schemas', () => {
  it.each(Object.entries(renderJsonSchemas()))('config/%s equals what the TypeBox schemas generate (run npx tsx scripts/write-schemas.ts)', (name, text) => {
    expect(fs.readFileSync(path.join(CONFIG_DIR, name), 'utf8')).toBe(text);
  });

  it('validates the shipped YAML files on their own and rejects an unknown key', () => {
    const ajv = new Ajv({ allErrors: true });
    for (const [yamlName, schemaName] of [
      ['node.yaml', 'node.schema.json'],
      ['rules.yaml', 'rules.schema.json'],
    ] as const) {
      const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, schemaName), 'utf8')) as object);
      const doc = parse(fs.readFileSync(path.join(CONFIG_DIR, yamlName), 'utf8')) as Record<string, unknown>;
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...doc, surplus: 1 })).toBe(false);
    }
  });

  it('lets a node.yaml that extends another (the compose config) validate in an editor', () => {
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(renderJsonSchemas()['node.schema.json']) as object);
    const compose = parse(fs.readFileSync(path.join(CONFIG_DIR, '../deploy/compose/node-config/node.yaml'), 'utf8')) as Record<string, unknown>;
    expect(compose.extends).toEqual(expect.any(String));
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...compose, extends: 7 })).toBe(false);
    expect(validate({ ...compose, listeners: [{ port: 'eleven' }] })).toBe(false);
    // Without `extends` the file is checked in full: a destination needs its kind.
    const { extends: _base, ...standalone } = compose;
    expect(validate(standalone)).toBe(false);
  });
});
