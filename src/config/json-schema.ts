import { NodeFileSchema } from './node-schema.js';
import { RulesFileSchema } from './rules-schema.js';

/**
 * The published JSON schemas (config/node.schema.json, config/rules.schema.json), generated from
 * the TypeBox schemas the loader validates with. Editors use them through the
 * `yaml-language-server: $schema=` line at the top of each YAML file.
 */
export function renderJsonSchemas(): Record<'node.schema.json' | 'rules.schema.json', string> {
  const render = (schema: object) =>
    `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(schema)) }, null, 2)}\n`;
  return { 'node.schema.json': render(NodeFileSchema), 'rules.schema.json': render(RulesFileSchema) };
}
