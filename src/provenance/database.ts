import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appliedSchemaVersion, latestSchemaVersion, snapshotDatabase } from './backup.js';
import { migrations, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Told where the copy taken before migrating an existing database went. */
  log?: { info(obj: object, msg: string): void };
}

/**
 * Opens (creating if needed) the provenance database in WAL mode and applies pending migrations.
 * `synchronous = NORMAL`: a commit survives a crash of the process (it is in the WAL, in the page
 * cache) but the last commits before a power cut may be lost; they are synced at checkpoints. A
 * C-STORE is acknowledged once its file and directory are fsync'ed and its row committed, and the
 * start-up rescan (src/receive/spool-rescan.ts) registers any spooled file whose row was lost, from
 * the file itself. Before migrating a database that already has a schema, a copy goes
 * to `<folder>/backups/pre-migration-<from>-to-<to>-<time>.sqlite`; if that copy fails, nothing
 * is migrated.
 */
export function openDatabase(path: string, list: Migration[] = migrations, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    backupBeforeMigrating(db, path, list, opts);
  } catch (err) {
    db.close();
    throw err;
  }
  migrate(db, list);
  return db;
}

/** The pre-migration copy of an existing database with pending migrations; its path, or undefined. */
function backupBeforeMigrating(db: Db, path: string, list: Migration[], opts: OpenOptions): string | undefined {
  if (path === ':memory:') return undefined;
  const from = appliedSchemaVersion(db);
  if (from === 0) return undefined;
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  if (list.every((m) => applied.has(m.version))) return undefined;
  const to = latestSchemaVersion(list);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = join(dirname(path), 'backups', `pre-migration-${from}-to-${to}-${stamp}.sqlite`);
  try {
    snapshotDatabase(db, file);
  } catch (err) {
    throw new Error(`cannot back up ${path} before migrating it from schema ${from} to ${to} (nothing migrated): ${(err as Error).message}`, { cause: err });
  }
  opts.log?.info({ database: path, backup: file, fromVersion: from, toVersion: to }, 'database backed up before schema migration');
  return file;
}

export function migrate(db: Db, list: Migration[] = migrations): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
  );
  let count = 0;
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
    count++;
  }
  return count;
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
