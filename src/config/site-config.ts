import path from 'node:path';
import { isMap, isScalar, isSeq, parse, parseDocument, type Document } from 'yaml';

/**
 * The shipped node.yaml (config/ of a checkout or an installed release) rewritten for a site's own
 * config folder, e.g. /etc/unimie-node: the shipped file reaches its data folder and model with
 * paths relative to itself (`../var`, `../model/embedded/manifest.yaml`), which mean nothing once
 * the file is copied elsewhere.
 */
export interface SiteConfigOptions {
  /** The folder the shipped node.yaml sits in; its relative paths resolve against it. */
  templateDir: string;
  /** Absolute data folder (spool, SQLite, quarantine); a folder destination under the shipped data folder moves with it. */
  dataDir: string;
  /** Address for every listener and the API; absent: as shipped (loopback). */
  bind?: string;
  /** Values set last, over the edits above (a restore pointing a model at the copy it installed). */
  overrides?: Array<{ at: ReadonlyArray<string | number>; value: string }>;
}

type YamlPath = ReadonlyArray<string | number>;

/**
 * Returns node.yaml text with absolute paths for the site. Values are replaced where they are
 * written, so comments and alignment stay as shipped; a key the file leaves to its default (a
 * listener without `host`, say) is added, and then the file is re-printed. Throws on invalid YAML.
 */
export function siteNodeYaml(template: string, opts: SiteConfigOptions): string {
  if (!path.isAbsolute(opts.dataDir)) throw new Error(`data folder must be absolute: ${opts.dataDir}`);
  const doc = parseDocument(template);
  if (doc.errors.length > 0) throw new Error(`shipped node.yaml: ${doc.errors[0]!.message}`);
  const edits = siteEdits(doc, opts);

  if (edits.every((e) => isScalar(doc.getIn(e.at, true)))) {
    // Back to front, so each range still points at the original text.
    const spans = edits
      .map((e) => ({ range: (doc.getIn(e.at, true) as { range: [number, number, number] }).range, value: e.value }))
      .sort((a, b) => b.range[0] - a.range[0]);
    let text = template;
    for (const { range, value } of spans) text = text.slice(0, range[0]) + yamlScalar(value) + text.slice(range[1]);
    return text;
  }
  for (const e of edits) doc.setIn(e.at, e.value);
  return doc.toString({ lineWidth: 0 });
}

/** Which values change, and to what. */
function siteEdits(doc: Document, opts: SiteConfigOptions): Array<{ at: YamlPath; value: string }> {
  const from = (p: string): string => path.resolve(opts.templateDir, p);
  const shippedData = from(scalarAt(doc, ['node', 'dataDir']) ?? '.');
  const edits: Array<{ at: YamlPath; value: string }> = [{ at: ['node', 'dataDir'], value: opts.dataDir }];
  const base = scalarAt(doc, ['extends']);
  if (base !== undefined) edits.push({ at: ['extends'], value: from(base) });

  const record = scalarAt(doc, ['node', 'contributionRecord']);
  if (record !== undefined) edits.push({ at: ['node', 'contributionRecord'], value: from(record) });
  for (const name of keysAt(doc, ['destinations'])) {
    const where = scalarAt(doc, ['destinations', name, 'path']);
    if (scalarAt(doc, ['destinations', name, 'kind']) !== 'folder' || where === undefined) continue;
    const target = from(where);
    const inside = path.relative(shippedData, target);
    const moved = inside.startsWith('..') || path.isAbsolute(inside) ? target : path.join(opts.dataDir, inside);
    edits.push({ at: ['destinations', name, 'path'], value: moved });
  }
  for (const id of keysAt(doc, ['models'])) {
    const manifest = scalarAt(doc, ['models', id, 'manifest']);
    if (manifest !== undefined) edits.push({ at: ['models', id, 'manifest'], value: from(manifest) });
  }
  // TLS material and files holding secrets: wherever a file is named, it is named absolute.
  const files: YamlPath[] = [['api', 'tls'], ['executor', 'redis', 'tls'], ...keysAt(doc, ['destinations']).map((n) => ['destinations', n, 'tls'])];
  const listenerSeq = doc.getIn(['listeners'], true);
  for (let i = 0; i < (isSeq(listenerSeq) ? listenerSeq.items.length : 0); i++) files.push(['listeners', i, 'tls']);
  for (const tls of files) {
    for (const key of ['cert', 'key', 'ca']) {
      const where = scalarAt(doc, [...tls, key]);
      if (where !== undefined) edits.push({ at: [...tls, key], value: from(where) });
    }
  }
  for (const at of secretFileKeys(doc.toJS())) {
    const where = scalarAt(doc, at);
    if (where !== undefined) edits.push({ at, value: from(where) });
  }
  if (opts.bind !== undefined) {
    const listeners = doc.getIn(['listeners'], true);
    const count = isSeq(listeners) ? listeners.items.length : 0;
    for (let i = 0; i < count; i++) edits.push({ at: ['listeners', i, 'host'], value: opts.bind });
    edits.push({ at: ['api', 'host'], value: opts.bind });
  }
  for (const o of opts.overrides ?? []) {
    const same = edits.findIndex((e) => e.at.join('\0') === o.at.join('\0'));
    if (same >= 0) edits.splice(same, 1);
    edits.push(o);
  }
  return edits;
}

/**
 * Where node.yaml names a file holding a secret: every `passwordFile` (Redis, SMTP) and every
 * `{ file: … }` secret value (alert headers).
 */
export function secretFileKeys(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretFileKeys(v, [...at, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    (k === 'passwordFile' || k === 'file') && typeof v === 'string' ? [[...at, k]] : secretFileKeys(v, [...at, k]),
  );
}

/** A path or address as YAML: plain when it reads back as the same string, else double-quoted. */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9_/.@+][A-Za-z0-9_/.@+:-]*$/.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

function scalarAt(doc: Document, at: YamlPath): string | undefined {
  const node = doc.getIn(at, true);
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function keysAt(doc: Document, at: YamlPath): string[] {
  const node = doc.getIn(at, true);
  return isMap(node) ? node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)) : [];
}
