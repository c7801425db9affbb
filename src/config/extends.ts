import path from 'node:path';
import type { ConfigIssue } from './config-issue.js';
import type { ReadText } from './resolve-node.js';
import { siteNodeYaml } from './site-config.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

/**
 * `extends: <node.yaml>` at the top of a node.yaml: the settings of that file (e.g. the shipped
 * config/ of an installed release) with this file's merged over them as a JSON Merge Patch
 * (RFC 7386): a map merges key by key, a list or a value replaces the base's, `null` removes the
 * key. A site then writes only what differs and keeps the shipped presets, windows and models as
 * they come with each release. The path is relative to this file. The base's own relative paths
 * (data folder, model manifests, folder destinations, files) are made absolute against its folder
 * first, as `init` does, so each still names what it named there. One level only: the base cannot
 * extend another file. The base is read at every load and reload; only this file is watched.
 */
export const EXTENDS_KEY = 'extends';

/** The source with its base merged in; issues when the base cannot be read or is not valid YAML. */
export function applyExtends(source: YamlSource, readText: ReadText): { source?: YamlSource; issues: ConfigIssue[] } {
  const value = source.value;
  if (!isPlainObject(value) || !(EXTENDS_KEY in value)) return { source, issues: [] };
  const { [EXTENDS_KEY]: target, ...own } = value;
  if (typeof target !== 'string' || target.trim() === '') {
    return { issues: [source.issue([EXTENDS_KEY], 'must be the path of a node.yaml to start from')] };
  }
  const baseFile = path.resolve(path.dirname(path.resolve(source.file)), target);
  let text: string;
  try {
    text = readText(baseFile);
  } catch (err) {
    return { issues: [source.issue([EXTENDS_KEY], `cannot read ${baseFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)] };
  }
  const parsedBase = parseYamlSource(baseFile, text);
  if (!parsedBase.source) return { issues: parsedBase.issues };
  const baseValue = parsedBase.source.value ?? {};
  if (!isPlainObject(baseValue)) return { issues: [parsedBase.source.issue([], 'must be a map of settings')] };
  if (EXTENDS_KEY in baseValue) {
    return { issues: [parsedBase.source.issue([EXTENDS_KEY], `${baseFile} extends another file; only one level is allowed`, { key: true })] };
  }

  // The base's relative paths, absolute against the base's folder (siteNodeYaml knows which values are paths).
  const baseDir = path.dirname(baseFile);
  const dataDir = typeof baseValue.node === 'object' && baseValue.node && typeof (baseValue.node as Record<string, unknown>).dataDir === 'string'
    ? ((baseValue.node as Record<string, unknown>).dataDir as string)
    : './var';
  const rebased = parseYamlSource(baseFile, siteNodeYaml(text, { templateDir: baseDir, dataDir: path.resolve(baseDir, dataDir) }));
  if (!rebased.source) return { issues: rebased.issues };
  const base = rebased.source;
  const merged = mergePatch(base.value ?? {}, own);

  // An issue is placed where its value was written: in this file if it has it, else in the base.
  const origin = (segments: ReadonlyArray<string | number>): YamlSource =>
    has(own, segments) || !has(base.value, segments) ? source : base;
  const combined: YamlSource = {
    file: source.file,
    value: merged,
    locate: (segments, options) => origin(segments).locate(segments, options),
    issue: (segments, message, options) => origin(segments).issue(segments, message, options),
  };
  return { source: combined, issues: [] };
}

/** RFC 7386: `patch` merged over `target`. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, v] of Object.entries(patch)) {
    if (v === null) delete out[key];
    else out[key] = mergePatch(out[key], v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(value: unknown, segments: ReadonlyArray<string | number>): boolean {
  let v = value;
  for (const s of segments) {
    if (Array.isArray(v) && typeof s === 'number' && s < v.length) v = v[s];
    else if (isPlainObject(v) && Object.hasOwn(v, String(s))) v = v[String(s)];
    else return false;
  }
  return true;
}
