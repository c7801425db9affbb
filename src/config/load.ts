import fs from 'node:fs';
import path from 'node:path';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { deepFreeze, type DeepReadonly } from './deep-freeze.js';
import { applyExtends } from './extends.js';
import { nodeFileSchema, type NodeFile } from './node-schema.js';
import { resolveNodeFile, type ReadText } from './resolve-node.js';
import { resolveRulesFile } from './resolve-rules.js';
import { rulesFileSchema, type RulesFile } from './rules-schema.js';
import type { NodeConfig } from './types.js';
import { applyDefaults, validateAgainstSchema } from './validate.js';
import { parseYamlSource } from './yaml-source.js';

export { ConfigValidationError, formatIssue, type ConfigIssue } from './config-issue.js';

/** The loaded configuration every other folder reads. Never mutated; a reload replaces it whole. */
export type LoadedConfig = DeepReadonly<NodeConfig>;

/** Where the two config files are. */
export interface ConfigPaths {
  node: string;
  rules: string;
}

export interface ConfigText {
  node: { file: string; text: string };
  rules: { file: string; text: string };
}

export interface LoadOptions {
  /** Reads TLS files (and, in loadConfig, the YAML files); default: fs.readFileSync as UTF-8. */
  readText?: ReadText;
}

const readUtf8: ReadText = (p) => fs.readFileSync(p, 'utf8');

/** A folder means `<dir>/node.yaml` and `<dir>/rules.yaml`. */
export function resolveConfigPaths(source: string | ConfigPaths): ConfigPaths {
  if (typeof source === 'string') return { node: path.join(source, 'node.yaml'), rules: path.join(source, 'rules.yaml') };
  return { ...source };
}

/**
 * Reads, validates and resolves node.yaml and rules.yaml. Throws ConfigValidationError (a
 * ConfigError, code PACS_E_CONFIG) listing every problem as `file:line:column: path: message`.
 * The result is deep-frozen, with defaults applied and paths absolute.
 */
export function loadConfig(source: string | ConfigPaths, options: LoadOptions = {}): LoadedConfig {
  const paths = resolveConfigPaths(source);
  const readText = options.readText ?? readUtf8;
  const issues: ConfigIssue[] = [];
  const read = (file: string): string | undefined => {
    try {
      return readText(path.resolve(file));
    } catch (err) {
      issues.push({ file, line: 0, column: 0, path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  const nodeText = read(paths.node);
  const rulesText = read(paths.rules);
  if (nodeText === undefined || rulesText === undefined) throw new ConfigValidationError(issues);
  return parseConfig({ node: { file: paths.node, text: nodeText }, rules: { file: paths.rules, text: rulesText } }, { readText });
}

/**
 * Validates and resolves config given as text (the API's "validate a posted YAML" uses this with
 * the current node.yaml and a posted rules.yaml). Relative paths resolve against each file's folder.
 */
export function parseConfig(input: ConfigText, options: LoadOptions = {}): LoadedConfig {
  const readText = options.readText ?? readUtf8;
  const nodeParsed = parseYamlSource(input.node.file, input.node.text);
  const rulesParsed = parseYamlSource(input.rules.file, input.rules.text);
  const issues: ConfigIssue[] = [...nodeParsed.issues, ...rulesParsed.issues];
  if (!nodeParsed.source || !rulesParsed.source) throw new ConfigValidationError(issues);
  // node.yaml may start from another node.yaml (`extends:`, e.g. the shipped config/).
  const extended = applyExtends(nodeParsed.source, readText);
  issues.push(...extended.issues);
  if (!extended.source) throw new ConfigValidationError(issues);
  const nodeSource = extended.source;

  const nodeSchemaIssues = validateAgainstSchema(nodeFileSchema(), nodeSource);
  const rulesSchemaIssues = validateAgainstSchema(rulesFileSchema(), rulesParsed.source);
  issues.push(...nodeSchemaIssues, ...rulesSchemaIssues);
  if (nodeSchemaIssues.length > 0) throw new ConfigValidationError(issues);

  const nodeFile = applyDefaults<NodeFile>(nodeFileSchema(), nodeSource.value ?? {});
  const node = resolveNodeFile(nodeFile, nodeSource, readText);
  issues.push(...node.issues);
  if (rulesSchemaIssues.length > 0) throw new ConfigValidationError(issues);

  const rulesFile = applyDefaults<RulesFile>(rulesFileSchema(), rulesParsed.source.value ?? {});
  const rules = resolveRulesFile(rulesFile, rulesParsed.source, node.config);
  issues.push(...rules.issues);
  if (issues.length > 0) throw new ConfigValidationError(issues);

  const config: NodeConfig = {
    files: { node: path.resolve(input.node.file), rules: path.resolve(input.rules.file) },
    ...node.config,
    rules: rules.rules,
  };
  return deepFreeze(config);
}
