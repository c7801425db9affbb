import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { secretFileKeys } from '../config/site-config.js';
import { sha256File } from '../enhance/model-manifest.js';
import { destinationFiles } from '../export/destination-kinds.js';
import { backupDatabaseFile, DATABASE_FILE } from '../provenance/backup.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  copyHashed,
  hashIfPresent,
  listFiles,
  MANIFEST_FILE,
  packageInfo,
  type BackupFile,
  type BackupManifest,
  type BackupModel,
  type ExternalFile,
} from './backup-manifest.js';

export interface BackupOptions {
  config: LoadedConfig;
  /** The backup folder: created, or an existing empty one. */
  dir: string;
  /** Copy the spool (received originals, derived objects, quarantine). */
  withSpool?: boolean;
  /** Copy the model weights named by each manifest. */
  withModels?: boolean;
}

/** Spool sub-folders left out: temp files of writes in progress. */
const SPOOL_SKIP = new Set(['incoming']);

/**
 * Backs up a node, running or stopped: the provenance database through SQLite's online backup
 * (consistent while the node writes), node.yaml and rules.yaml, each model's manifest and the
 * weights' hash (the weights too with `withModels`), a site contribution record, and with
 * `withSpool` the spool's files. TLS keys and certificates and files holding passwords or other
 * secrets are listed with their hash but not copied. manifest.json, written last, holds versions
 * and every file's SHA-256.
 */
export async function createBackup(opts: BackupOptions): Promise<BackupManifest> {
  const c = opts.config;
  const dir = resolve(opts.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: give a new folder for each backup`);
  mkdirSync(dir, { recursive: true });
  const files: BackupFile[] = [];
  const add = (path: string, copied: { size: number; sha256: string }) => files.push({ path, ...copied });

  const dbPath = join(c.node.dataDir, DATABASE_FILE);
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath}: has this node ever started?`);
  const db = await backupDatabaseFile(dbPath, join(dir, DATABASE_FILE));
  add(DATABASE_FILE, { size: statSync(join(dir, DATABASE_FILE)).size, sha256: await sha256File(join(dir, DATABASE_FILE)) });

  const configFiles = [c.files.node, c.files.rules];
  for (const f of configFiles) add(`config/${basename(f)}`, await copyHashed(f, join(dir, 'config', basename(f))));

  const models: BackupModel[] = [];
  for (const [id, ref] of Object.entries(c.models)) {
    let manifest: { file: string; version: string; sha256: string };
    try {
      manifest = parse(readFileSync(ref.manifest, 'utf8')) as typeof manifest;
    } catch {
      // The node runs without a model it cannot load; the backup says so rather than failing.
      models.push({ id, manifest: ref.manifest, file: null, version: null, sha256: null, fileSha256: null });
      continue;
    }
    const file = resolve(dirname(ref.manifest), manifest.file);
    const manifestCopy = `models/${id}/manifest.yaml`;
    add(manifestCopy, await copyHashed(ref.manifest, join(dir, manifestCopy)));
    const model: BackupModel = { id, manifest: ref.manifest, file, version: manifest.version, sha256: manifest.sha256, fileSha256: null, manifestCopy };
    if (opts.withModels && existsSync(file)) {
      model.weightsCopy = `models/${id}/${basename(file)}`;
      const copied = await copyHashed(file, join(dir, model.weightsCopy));
      add(model.weightsCopy, copied);
      model.fileSha256 = copied.sha256;
    } else {
      model.fileSha256 = await hashIfPresent(file);
    }
    models.push(model);
  }

  // node.yaml may start from another node.yaml (usually the release's shipped config/node.yaml).
  let extendsBase: BackupManifest['extendsBase'];
  const base = (parse(readFileSync(c.files.node, 'utf8')) as { extends?: unknown } | null)?.extends;
  if (typeof base === 'string') {
    const path = resolve(dirname(c.files.node), base);
    const copy = 'config/extends-base.yaml';
    const copied = await copyHashed(path, join(dir, copy));
    add(copy, copied);
    extendsBase = { path, sha256: copied.sha256, copy };
  }

  let contributionRecord: BackupManifest['contributionRecord'];
  const record = c.node.contributionRecord;
  if (record !== undefined && existsSync(record)) {
    const copied = await copyHashed(record, join(dir, 'config', 'contribution-record.json'));
    add('config/contribution-record.json', copied);
    contributionRecord = { path: record, sha256: copied.sha256 };
  }

  const skipped: string[] = [];
  if (opts.withSpool) {
    const spool = join(c.node.dataDir, 'spool');
    const names = existsSync(spool) ? listFiles(spool).filter((p) => !SPOOL_SKIP.has(p.split('/')[0]!)) : [];
    for (const rel of names) {
      try {
        add(`spool/${rel}`, await copyHashed(join(spool, rel), join(dir, 'spool', rel)));
      } catch (err) {
        // Retention may delete a file between the listing and its copy.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        skipped.push(`spool/${rel}`);
      }
    }
  }

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    package: packageInfo(),
    schemaVersion: db.schemaVersion,
    source: { hostname: hostname(), configDir: dirname(c.files.node), dataDir: c.node.dataDir },
    contents: {
      database: DATABASE_FILE,
      config: configFiles.map((f) => `config/${basename(f)}`),
      spool: !!opts.withSpool,
      modelWeights: !!opts.withModels,
      ...(contributionRecord ? { contributionRecord: 'config/contribution-record.json' } : {}),
    },
    models,
    ...(extendsBase ? { extendsBase } : {}),
    ...(contributionRecord ? { contributionRecord } : {}),
    notIncluded: await externalFiles(c),
    skipped,
    files,
  };
  writeFileSync(join(dir, `${MANIFEST_FILE}.part`), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(join(dir, `${MANIFEST_FILE}.part`), join(dir, MANIFEST_FILE));
  return manifest;
}

/** TLS files and files holding secrets that node.yaml names: listed with their hash, never copied. */
async function externalFiles(c: LoadedConfig): Promise<ExternalFile[]> {
  const named: Array<{ role: string; path: string }> = [];
  const tls = (role: string, files: { cert: string; key: string; ca?: string } | undefined) => {
    if (!files) return;
    for (const [k, p] of Object.entries(files)) if (p) named.push({ role: `${role}.tls.${k}`, path: p });
  };
  c.listeners.forEach((l, i) => tls(`listeners[${i}]`, l.tls?.files));
  for (const [name, d] of Object.entries(c.destinations)) {
    for (const [role, p] of Object.entries(destinationFiles(d))) named.push({ role: `destinations.${name}.${role}`, path: p });
  }
  tls('api', c.api.tls?.files);
  const raw = parse(readFileSync(c.files.node, 'utf8')) as { executor?: { redis?: { tls?: { ca?: string } } } } | null;
  const base = dirname(c.files.node);
  const ca = raw?.executor?.redis?.tls?.ca;
  if (ca) named.push({ role: 'executor.redis.tls.ca', path: resolve(base, ca) });
  for (const at of secretFileKeys(raw)) {
    const where = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], raw) as string;
    named.push({ role: at.join('.'), path: resolve(base, where) });
  }
  return Promise.all(named.map(async (n) => ({ ...n, sha256: await hashIfPresent(n.path) })));
}

/** `backup <dir> [--with-spool] [--with-models]`. */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('back up the database (online, safe while the node runs), config and model manifests into a new folder')
    .argument('<dir>', 'new (or empty) folder for this backup')
    .option('--with-spool', 'also copy the spool: received originals, derived objects, quarantine')
    .option('--with-models', 'also copy the model weights (ONNX files can be large)')
    .action(async (dir: string, opts: { withSpool?: boolean; withModels?: boolean }) => {
      const config = loadConfig(program.opts<{ config: string }>().config);
      const m = await createBackup({ config, dir, withSpool: opts.withSpool, withModels: opts.withModels });
      const bytes = m.files.reduce((n, f) => n + f.size, 0);
      const summary = { ok: true, dir: resolve(dir), schemaVersion: m.schemaVersion, files: m.files.length, bytes, spool: m.contents.spool, modelWeights: m.contents.modelWeights, notIncluded: m.notIncluded, skipped: m.skipped };
      process.stdout.write(
        program.opts<{ json?: boolean }>().json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : [
              `backup in ${summary.dir}: database (schema ${m.schemaVersion}), ${m.contents.config.join(', ')}, ${m.models.length} model manifest(s)${m.contents.modelWeights ? ' with weights' : ''}${m.contents.spool ? ', spool' : ''}; ${m.files.length} files, ${(bytes / 1e6).toFixed(1)} MB`,
              ...m.notIncluded.map((f) => `not included (back it up with your secrets): ${f.role} ${f.path}`),
              ...m.skipped.map((f) => `skipped (deleted while copying): ${f}`),
            ].join('\n') + '\n',
      );
    });
}
