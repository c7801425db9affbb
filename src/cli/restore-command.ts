import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { loadConfig } from '../config/load.js';
import { siteNodeYaml } from '../config/site-config.js';
import { checkDatabaseFile, DATABASE_FILE, installDatabaseFile, isDatabaseInUse, latestSchemaVersion } from '../provenance/backup.js';
import { copyHashed, hashIfPresent, listFiles, readBackupManifest, verifyBackupFiles } from './backup-manifest.js';

export interface RestoreOptions {
  /** A folder made by `backup`. */
  backupDir: string;
  /** Where node.yaml and rules.yaml go. */
  configDir: string;
  /** Data folder to restore into; default: the one the backup came from. */
  dataDir?: string;
  /** Replace existing config files and restore into a non-empty data folder. */
  force?: boolean;
}

export interface RestoreReport {
  configDir: string;
  dataDir: string;
  schemaVersion: number;
  /** Rows whose stored file path moved to the new data folder, per table. */
  relocated: Record<string, number>;
  spoolFiles: number;
  /** Models installed from the backup's weights under `<dataDir>/models/`. */
  modelsInstalled: string[];
  /** Things the node will miss until someone puts them back (TLS keys, model weights). */
  warnings: string[];
  /** Why the restored config does not load here, when it does not. */
  configProblem?: string;
}

/**
 * Restores a backup: checks every file's hash and the database's integrity and schema version
 * (a newer schema than this release knows is refused), writes node.yaml (data folder set, every
 * path absolute) and rules.yaml, puts the database in place with its file paths moved to the new
 * data folder, and the spool and model weights when the backup holds them. Refuses existing config
 * files and a non-empty data folder unless `force`, and a database a running node holds always.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreReport> {
  const backup = resolve(opts.backupDir);
  const m = readBackupManifest(backup);
  const bad = await verifyBackupFiles(backup, m);
  if (bad.length > 0) throw new Error(`backup ${backup} is damaged, nothing restored:\n  ${bad.join('\n  ')}`);
  const db = checkDatabaseFile(join(backup, m.contents.database));
  if (db.problems.length > 0) throw new Error(`backup database fails its integrity check, nothing restored: ${db.problems.slice(0, 5).join('; ')}`);
  const latest = latestSchemaVersion();
  if (db.schemaVersion > latest) {
    throw new Error(`backup is at database schema ${db.schemaVersion} (release ${m.package.version}); this release knows up to schema ${latest}: install release ${m.package.version} or later to restore it`);
  }

  const configDir = resolve(opts.configDir);
  const dataDir = resolve(opts.dataDir ?? m.source.dataDir);
  const configFiles = m.contents.config.map((f) => join(configDir, basename(f)));
  for (const f of configFiles) if (existsSync(f) && !opts.force) throw new Error(`${f} exists (--force replaces it)`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !opts.force) throw new Error(`data folder ${dataDir} is not empty (--force restores over it)`);
  const target = join(dataDir, DATABASE_FILE);
  if (existsSync(target) && isDatabaseInUse(target)) throw new Error(`${target} is open in another process: stop the node first`);

  // Run as root into the service user's data folder: what is restored goes to that user.
  const owner = existsSync(dataDir) && process.getuid?.() === 0 ? statSync(dataDir) : undefined;
  const warnings: string[] = [];
  const overrides: Array<{ at: string[]; value: string }> = [];
  const modelsInstalled: string[] = [];
  for (const model of m.models) {
    if (model.file === null || !model.manifestCopy) {
      warnings.push(`model ${model.id}: its manifest ${model.manifest} was unreadable when the backup was taken`);
      continue;
    }
    const present = await hashIfPresent(model.file);
    if (present === model.sha256 && existsSync(model.manifest)) continue;
    if (model.weightsCopy) {
      const at = join(dataDir, 'models', model.id);
      const weights = join(at, basename(model.weightsCopy));
      mkdirSync(at, { recursive: true });
      if ((await hashIfPresent(weights)) !== model.sha256) {
        await copyHashed(join(backup, model.weightsCopy), `${weights}.part`);
        renameSync(`${weights}.part`, weights);
      }
      const manifest = parseDocument(readFileSync(join(backup, model.manifestCopy), 'utf8'));
      manifest.set('file', basename(weights));
      writeFileSync(join(at, 'manifest.yaml'), manifest.toString());
      overrides.push({ at: ['models', model.id, 'manifest'], value: join(at, 'manifest.yaml') });
      modelsInstalled.push(model.id);
    } else {
      warnings.push(`model ${model.id} ${model.version}: ${present === null ? 'weights missing' : 'weights differ from the manifest'} at ${model.file}; install release ${m.package.version} there (or back up --with-models)`);
    }
  }
  if (m.contributionRecord && m.contents.contributionRecord && (await hashIfPresent(m.contributionRecord.path)) !== m.contributionRecord.sha256) {
    const record = join(configDir, 'contribution-record.json');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(record, readFileSync(join(backup, m.contents.contributionRecord)));
    overrides.push({ at: ['node', 'contributionRecord'], value: record });
  }
  if (m.extendsBase) {
    const now = await hashIfPresent(m.extendsBase.path);
    if (now === null) {
      // Its relative paths made absolute against where it was, as extends itself would read them.
      const base = join(configDir, 'extends-base.yaml');
      mkdirSync(configDir, { recursive: true });
      writeFileSync(base, siteNodeYaml(readFileSync(join(backup, m.extendsBase.copy), 'utf8'), { templateDir: dirname(m.extendsBase.path), dataDir }));
      overrides.push({ at: ['extends'], value: base });
      warnings.push(`node.yaml extends ${m.extendsBase.path}, which is missing: restored its backed-up copy as ${base}`);
    } else if (now !== m.extendsBase.sha256) {
      warnings.push(`node.yaml extends ${m.extendsBase.path}, which has changed since the backup (another release?): kept as it is`);
    }
  }
  for (const f of m.notIncluded) {
    const now = await hashIfPresent(f.path);
    if (now === null) warnings.push(`${f.role}: ${f.path} is missing (not in backups: put it back from where the site keeps its keys and certificates)`);
    else if (f.sha256 !== null && now !== f.sha256) warnings.push(`${f.role}: ${f.path} differs from the file in use when the backup was taken`);
  }

  const nodeYaml = m.contents.config.find((f) => basename(f) === 'node.yaml')!;
  const nodeText = siteNodeYaml(readFileSync(join(backup, nodeYaml), 'utf8'), { templateDir: m.source.configDir, dataDir, overrides });

  const relocated = installDatabaseFile(join(backup, m.contents.database), target, { from: m.source.dataDir, to: dataDir });
  const spoolFiles = m.contents.spool ? await restoreSpool(backup, join(dataDir, 'spool')) : 0;

  if (owner && owner.uid !== 0) {
    for (const p of [target, join(dataDir, 'spool'), join(dataDir, 'models')]) if (existsSync(p)) chownTree(p, owner.uid, owner.gid);
  }

  mkdirSync(configDir, { recursive: true });
  for (const f of m.contents.config) {
    writeFileSync(join(configDir, basename(f)), basename(f) === 'node.yaml' ? nodeText : readFileSync(join(backup, f)));
  }
  let configProblem: string | undefined;
  try {
    loadConfig(configDir);
  } catch (err) {
    configProblem = (err as Error).message;
  }
  return { configDir, dataDir, schemaVersion: db.schemaVersion, relocated, spoolFiles, modelsInstalled, warnings, ...(configProblem ? { configProblem } : {}) };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/** Copies the backup's spool files into the data folder's spool, replacing files of the same name. */
async function restoreSpool(backup: string, spool: string): Promise<number> {
  const root = join(backup, 'spool');
  if (!existsSync(root)) return 0;
  const names = listFiles(root);
  for (const rel of names) {
    rmSync(join(spool, rel), { force: true });
    await copyHashed(join(root, rel), join(spool, rel));
  }
  return names.length;
}

/** `restore <backup-dir> [--data-dir dir] [--force]`, into the folder `--config` names. */
export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description('restore a backup into the config folder (--config) and a data folder; checks hashes and the schema version first')
    .argument('<backup-dir>', 'a folder made by `backup`')
    .option('--data-dir <dir>', 'data folder to restore into (default: the one the backup came from)')
    .option('--force', 'replace existing node.yaml/rules.yaml and restore into a non-empty data folder')
    .action(async (backupDir: string, opts: { dataDir?: string; force?: boolean }) => {
      const report = await restoreBackup({ backupDir, configDir: program.opts<{ config: string }>().config, dataDir: opts.dataDir, force: opts.force });
      const moved = Object.values(report.relocated).reduce((n, v) => n + v, 0);
      process.stdout.write(
        program.opts<{ json?: boolean }>().json
          ? `${JSON.stringify({ ok: !report.configProblem, ...report }, null, 2)}\n`
          : [
              `restored into ${report.configDir} (config) and ${report.dataDir} (data): database schema ${report.schemaVersion}${moved ? `, ${moved} stored path(s) moved to the new data folder` : ''}${report.spoolFiles ? `, ${report.spoolFiles} spool file(s)` : ''}${report.modelsInstalled.length ? `, model(s) ${report.modelsInstalled.join(', ')} from the backup` : ''}`,
              ...report.warnings.map((w) => `warning: ${w}`),
              report.configProblem
                ? `the restored config does not load here yet:\n${report.configProblem}`
                : `config check: ok; start the node (a database from an older release is migrated at start, after a copy into ${join(report.dataDir, 'backups')})`,
            ].join('\n') + '\n',
      );
      if (report.configProblem) process.exitCode = 1;
    });
}
