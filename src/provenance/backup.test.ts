import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backupDatabaseFile,
  checkDatabaseFile,
  databaseFileSchemaVersion,
  isDatabaseInUse,
  latestSchemaVersion,
  relocatePaths,
} from './backup.js';
import { openDatabase, schemaVersion } from './database.js';
import { findBySop, insertInstance } from './instances.js';
import { createJob } from './jobs.js';
import { migrations } from './migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'db-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const instance = (sop: string, path: string) => ({
  sopInstanceUid: sop,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  seriesUid: '1.2.3',
  studyUid: '1.2',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  path,
  size: 10,
  sha256: `sha-${sop}`,
  receivedAt: 1000,
  status: 'stored' as const,
});

describe('database backup', () => {
  it('copies a database another connection keeps writing into one self-contained, checked file', async () => {
    const path = join(dir, 'provenance.sqlite');
    const db = openDatabase(path);
    for (let i = 0; i < 200; i++) insertInstance(db, instance(`1.2.3.${i}`, `/var/spool/${i}.dcm`));
    const writer = setInterval(() => insertInstance(db, instance(`9.${Math.random()}`, '/x')), 1);
    const copyPath = join(dir, 'out', 'copy.sqlite');
    try {
      const copy = await backupDatabaseFile(path, copyPath);
      expect(copy.schemaVersion).toBe(latestSchemaVersion());
      expect(copy.bytes).toBeGreaterThan(0);
    } finally {
      clearInterval(writer);
    }
    expect(isDatabaseInUse(path)).toBe(true);
    db.close();
    expect(isDatabaseInUse(path)).toBe(false);
    expect(readdirSync(join(dir, 'out'))).toEqual(['copy.sqlite']);
    expect(checkDatabaseFile(copyPath)).toEqual({ problems: [], schemaVersion: latestSchemaVersion() });
    const back = openDatabase(copyPath);
    expect(findBySop(back, '1.2.3.199')).toHaveLength(1);
    back.close();
  });

  it('leaves no -wal or -shm file beside a stopped node\'s database (they would belong to whoever ran the backup)', async () => {
    const path = join(dir, 'provenance.sqlite');
    openDatabase(path).close();
    expect(readdirSync(dir)).toEqual(['provenance.sqlite']);
    await backupDatabaseFile(path, join(dir, 'copies', 'copy.sqlite'));
    expect(readdirSync(dir).sort()).toEqual(['copies', 'provenance.sqlite']);
  });

  it('reports a damaged file', () => {
    const path = join(dir, 'bad.sqlite');
    const db = openDatabase(path);
    for (let i = 0; i < 500; i++) insertInstance(db, instance(`1.2.3.${i}`, `/var/spool/${'x'.repeat(200)}${i}.dcm`));
    db.pragma('journal_mode = DELETE');
    db.close();
    const bytes = readFileSync(path);
    // Scribble over the middle of the file (index and table pages), keeping the header.
    bytes.fill(0x5a, 8192, 8192 + 4096);
    writeFileSync(path, bytes);
    let problems: string[];
    try {
      problems = checkDatabaseFile(path).problems;
    } catch (err) {
      problems = [(err as Error).message];
    }
    expect(problems.length).toBeGreaterThan(0);
  });

  it('moves stored paths from one data folder to another and leaves others alone', () => {
    const db = openDatabase(join(dir, 'p.sqlite'));
    insertInstance(db, instance('1.1', '/old/var/spool/studies/a_%.dcm'));
    insertInstance(db, instance('1.2', '/old/var-other/b.dcm'));
    insertInstance(db, instance('1.3', '/elsewhere/c.dcm'));
    const job = createJob(db, { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: {} });
    db.prepare(
      `INSERT INTO derivations (job_id, source_sop_instance_uid, source_series_uid, derived_sop_instance_uid, derived_series_uid,
         derived_sop_class_uid, path, sha256, stage, params_json, created_at)
       VALUES (?, '1.1', '1.2.3', '2.25.1', '2.25.2', '1.2.840.10008.5.1.4.1.1.7', '/old/var/spool/derived/d.dcm', 'h', 'render', '{}', 1)`,
    ).run(job.id);
    expect(relocatePaths(db, '/old/var/', '/new/data')).toEqual({ derivations: 1, instances: 1 });
    expect(findBySop(db, '1.1')[0]!.path).toBe('/new/data/spool/studies/a_%.dcm');
    expect(findBySop(db, '1.2')[0]!.path).toBe('/old/var-other/b.dcm');
    expect(findBySop(db, '1.3')[0]!.path).toBe('/elsewhere/c.dcm');
    expect((db.prepare('SELECT path FROM derivations').get() as { path: string }).path).toBe('/new/data/spool/derived/d.dcm');
    db.close();
  });
});

describe('backup before a schema migration', () => {
  it('copies a database at an older schema into backups/ before migrating it, and keeps what it held', () => {
    const path = join(dir, 'provenance.sqlite');
    const old = openDatabase(path, migrations.filter((m) => m.version <= 3));
    expect(schemaVersion(old)).toBe(3);
    insertInstance(old, instance('1.2.3.4', '/var/spool/x.dcm'));
    old.close();
    expect(existsSync(join(dir, 'backups'))).toBe(false);

    const logged: Array<{ obj: object; msg: string }> = [];
    const db = openDatabase(path, migrations, { log: { info: (obj, msg) => logged.push({ obj, msg }) } });
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    expect(findBySop(db, '1.2.3.4')).toHaveLength(1);
    db.close();

    const backups = readdirSync(join(dir, 'backups'));
    expect(backups).toEqual([expect.stringMatching(new RegExp(`^pre-migration-3-to-${latestSchemaVersion()}-\\d{8}T\\d{6}Z\\.sqlite$`))]);
    const copy = join(dir, 'backups', backups[0]!);
    expect(databaseFileSchemaVersion(copy)).toBe(3);
    expect(checkDatabaseFile(copy).problems).toEqual([]);
    expect(logged).toEqual([{ obj: expect.objectContaining({ backup: copy, fromVersion: 3, toVersion: latestSchemaVersion() }), msg: 'database backed up before schema migration' }]);

    // Up to date: opening again copies nothing; a new database is not copied either.
    openDatabase(path).close();
    openDatabase(join(dir, 'fresh.sqlite')).close();
    expect(readdirSync(join(dir, 'backups'))).toHaveLength(1);
  });

  it('migrates nothing when the copy cannot be written', () => {
    const path = join(dir, 'provenance.sqlite');
    openDatabase(path, migrations.filter((m) => m.version <= 2)).close();
    writeFileSync(join(dir, 'backups'), 'a file where the folder should be');
    expect(() => openDatabase(path)).toThrow(/cannot back up .* from schema 2 .*nothing migrated/);
    expect(databaseFileSchemaVersion(path)).toBe(2);
  });
});
