import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { sha256File } from '../enhance/model-manifest.js';

/** Written last into a backup folder: what it holds, where it came from, and every file's hash. */
export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMAT = 'unimie-node-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** One file of the backup, relative to its folder. */
export interface BackupFile {
  path: string;
  size: number;
  sha256: string;
}

/** A model named in node.yaml: its manifest (always in the backup) and its weights (with --with-models). */
export interface BackupModel {
  id: string;
  /** Where node.yaml pointed (absolute). */
  manifest: string;
  /** The weights' absolute path, from the manifest's `file`; null when the manifest could not be read. */
  file: string | null;
  version: string | null;
  /** The manifest's declared SHA-256 of the weights. */
  sha256: string | null;
  /** The weights' SHA-256 as found when the backup was taken; null when the file was missing. */
  fileSha256: string | null;
  /** Backup-relative paths of the copies (no manifest copy when it was missing). */
  manifestCopy?: string;
  weightsCopy?: string;
}

/** A file node.yaml refers to that the backup lists but does not hold (TLS keys, password files). */
export interface ExternalFile {
  /** Where node.yaml names it, e.g. `api.tls.key`. */
  role: string;
  path: string;
  sha256: string | null;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  package: { name: string; version: string };
  /** The database's schema version (its last applied migration). */
  schemaVersion: number;
  source: { hostname: string; configDir: string; dataDir: string };
  contents: { database: string; config: string[]; spool: boolean; modelWeights: boolean; contributionRecord?: string };
  models: BackupModel[];
  /** The node.yaml that node.yaml `extends`: where it was, and its copy in the backup. */
  extendsBase?: { path: string; sha256: string; copy: string };
  /** node.contributionRecord when node.yaml names one: the original path. */
  contributionRecord?: { path: string; sha256: string };
  notIncluded: ExternalFile[];
  /** Files that vanished between listing and copying (a spool file the node deleted meanwhile). */
  skipped: string[];
  files: BackupFile[];
}

/** The release's own name and version (package.json beside src/ or dist/). */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** SHA-256 of a file, or null when it cannot be read. */
export async function hashIfPresent(path: string): Promise<string | null> {
  try {
    return await sha256File(path);
  } catch {
    return null;
  }
}

/** Copies `from` to `to` (creating folders), hashing the bytes on the way: one read per file. */
export async function copyHashed(from: string, to: string): Promise<{ size: number; sha256: string }> {
  mkdirSync(dirname(to), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx' }));
  return { size, sha256: hash.digest('hex') };
}

/** Every regular file under `root`, as paths relative to it, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** Reads a backup's manifest; throws when the folder is not a complete backup of this format. */
export function readBackupManifest(dir: string): BackupManifest {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new Error(`${dir} is not a complete backup: no ${MANIFEST_FILE} (it is written last)`);
  }
  const m = JSON.parse(text) as BackupManifest;
  if (m.format !== BACKUP_FORMAT) throw new Error(`${join(dir, MANIFEST_FILE)} is not a unimie-node backup manifest`);
  if (m.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new Error(`${dir} has backup format ${m.formatVersion}; this release reads up to ${BACKUP_FORMAT_VERSION}: restore it with release ${m.package.version} or later`);
  }
  return m;
}

/** Files of the backup whose size or SHA-256 differ from the manifest, or that are missing. */
export async function verifyBackupFiles(dir: string, m: BackupManifest): Promise<string[]> {
  const bad: string[] = [];
  for (const f of m.files) {
    const p = join(dir, f.path);
    let size: number;
    try {
      size = statSync(p).size;
    } catch {
      bad.push(`${f.path}: missing`);
      continue;
    }
    if (size !== f.size) bad.push(`${f.path}: ${size} bytes, manifest says ${f.size}`);
    else if ((await sha256File(p)) !== f.sha256) bad.push(`${f.path}: SHA-256 differs from the manifest`);
  }
  return bad;
}
