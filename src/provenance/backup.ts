import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './database.js';
import { migrations, type Migration } from './migrations.js';

/** The provenance database's file name inside the data folder. */
export const DATABASE_FILE = 'provenance.sqlite';

/** The newest schema version this release can open (its last migration). */
export function latestSchemaVersion(list: Migration[] = migrations): number {
  return list.reduce((v, m) => Math.max(v, m.version), 0);
}

/** Highest applied migration of an open database; 0 when none was ever applied. */
export function appliedSchemaVersion(db: Db): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Schema version of a database file, read without migrating or writing it. */
export function databaseFileSchemaVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return appliedSchemaVersion(db);
  } finally {
    db.close();
  }
}

/**
 * Whether another connection (a running node, a CLI command) has the database open. In WAL mode
 * every open connection holds a shared lock, so an exclusive lock taken without waiting fails.
 */
export function isDatabaseInUse(path: string): boolean {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}

export interface DatabaseCopy {
  schemaVersion: number;
  bytes: number;
}

/**
 * Copies a live database into `destPath` with SQLite's online backup API: a consistent snapshot
 * while the node keeps writing (WAL readers do not block the writer). The source is never written
 * or migrated, so a newer CLI can back up an older node's database. It is opened read-write all
 * the same: a read-only connection to a stopped node's database leaves its -wal and -shm files
 * behind, owned by whoever ran the backup (root), and the node could not open them. The copy is
 * switched to rollback-journal mode (one self-contained file) and integrity-checked.
 */
export async function backupDatabaseFile(sourcePath: string, destPath: string): Promise<DatabaseCopy> {
  mkdirSync(dirname(destPath), { recursive: true });
  const source = new Database(sourcePath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    // Large steps: a write between steps restarts the copy, so few steps finish sooner on a busy node.
    await source.backup(destPath, { progress: () => 4096 });
  } finally {
    source.close();
  }
  const copy = new Database(destPath, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = integrityProblems(copy);
    if (problems.length > 0) throw new Error(`backup copy of ${sourcePath} failed its integrity check: ${problems.join('; ')}`);
    return { schemaVersion: appliedSchemaVersion(copy), bytes: statSync(destPath).size };
  } finally {
    copy.close();
  }
}

/** `PRAGMA integrity_check` of an open database: empty when it is sound. */
export function integrityProblems(db: Db): string[] {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
}

/** Integrity and schema version of a database file (a backup), opened read-only. */
export function checkDatabaseFile(path: string): { problems: string[]; schemaVersion: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { problems: integrityProblems(db), schemaVersion: appliedSchemaVersion(db) };
  } finally {
    db.close();
  }
}

/**
 * A consistent copy of an open database into a new file (`VACUUM INTO`): synchronous, so it can run
 * inside openDatabase before migrations change the schema.
 */
export function snapshotDatabase(db: Db, destPath: string): void {
  mkdirSync(dirname(destPath), { recursive: true });
  db.prepare('VACUUM INTO ?').run(destPath);
}

/**
 * Rewrites every stored file path under `fromRoot` to the same path under `toRoot` (a data folder
 * restored elsewhere), in every table with a `path` column. Returns the rows changed per table.
 */
export function relocatePaths(db: Db, fromRoot: string, toRoot: string): Record<string, number> {
  const from = fromRoot.replace(/\/+$/, '');
  const to = toRoot.replace(/\/+$/, '');
  const tables = db
    .prepare(
      `SELECT m.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) c
       WHERE m.type = 'table' AND c.name = 'path' ORDER BY m.name`,
    )
    .all() as Array<{ name: string }>;
  const changed: Record<string, number> = {};
  db.transaction(() => {
    for (const { name } of tables) {
      // substr/length rather than LIKE: paths may hold `_` and `%`.
      const r = db
        .prepare(`UPDATE "${name.replaceAll('"', '""')}" SET path = ? || substr(path, length(?) + 1) WHERE substr(path, 1, length(?) + 1) = ? || '/'`)
        .run(to, from, from, from);
      if (r.changes > 0) changed[name] = r.changes;
    }
  })();
  return changed;
}

/**
 * Puts a backed-up database file in place at `targetPath`: copied beside it, stored paths moved
 * from one data folder to another when `relocate` is given, the WAL and shared-memory files of a
 * database it replaces removed (replayed over the new file they would corrupt it), then renamed
 * over. Returns the rows relocated per table.
 */
export function installDatabaseFile(copyPath: string, targetPath: string, relocate?: { from: string; to: string }): Record<string, number> {
  mkdirSync(dirname(targetPath), { recursive: true });
  const temp = `${targetPath}.restoring`;
  rmSync(temp, { force: true });
  copyFileSync(copyPath, temp);
  let moved: Record<string, number> = {};
  if (relocate && relocate.from !== relocate.to) {
    const db = new Database(temp, { fileMustExist: true });
    try {
      moved = relocatePaths(db, relocate.from, relocate.to);
    } finally {
      db.close();
    }
  }
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${targetPath}${suffix}`, { force: true });
  renameSync(temp, targetPath);
  return moved;
}
