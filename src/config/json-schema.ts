import { EXTENDS_KEY } from './extends.js';
import { nodeFileSchema } from './node-schema.js';
import { rulesFileSchema } from './rules-schema.js';

/**
 * The published JSON schemas (config/node.schema.json, config/rules.schema.json), generated from
 * the TypeBox schemas the loader validates with. Editors use them through the
 * `yaml-language-server: $schema=` line at the top of each YAML file.
 */
export function renderJsonSchemas(): Record<'node.schema.json' | 'rules.schema.json', string> {
  const render = (schema: object) =>
    `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(schema)) }, null, 2)}\n`;
  return { 'node.schema.json': render(withExtends(nodeFileSchema())), 'rules.schema.json': render(rulesFileSchema()) };
}

/**
 * node.yaml as an editor sees it. The loader resolves `extends:` before it validates the merged
 * settings (extends.ts), so the TypeBox schema never has it: a file with `extends` is a JSON Merge
 * Patch over its base, where any part may be left out and `null` removes a key; a file without it
 * is checked in full.
 */
function withExtends(schema: object): object {
  const { $id, title, ...settings } = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  const extendsProperty = { type: 'string', minLength: 1, description: 'path of a node.yaml (relative to this file) whose settings this file is merged over (JSON Merge Patch)' };
  const patch = asMergePatch(settings) as Record<string, unknown>;
  return {
    $id,
    title,
    if: { required: [EXTENDS_KEY] },
    then: { ...patch, properties: { [EXTENDS_KEY]: extendsProperty, ...(patch.properties as object) } },
    else: settings,
  };
}

/** The schema of a merge patch of documents of `schema`: nothing required, every member may be null. */
function asMergePatch(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asMergePatch);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'required') continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, { anyOf: [asMergePatch(v), { type: 'null' }] }]));
    } else out[key] = asMergePatch(value);
  }
  return out;
}
