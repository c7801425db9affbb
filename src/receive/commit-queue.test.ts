import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommitQueue } from './commit-queue.js';

let db: Database.Database;
const rows = (): string[] => (db.prepare('SELECT v FROM t ORDER BY id').all() as Array<{ v: string }>).map((r) => r.v);
const insert = (v: string) => () => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid);

beforeEach(() => {
  db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
});
afterEach(() => db.close());

describe('CommitQueue', () => {
  it('commits a lone object at once, and the objects arriving meanwhile together in the next group', async () => {
    const syncs: string[][] = [];
    let release: () => void = () => undefined;
    const q = new CommitQueue(db, {
      syncDirectories: async (dirs) => {
        syncs.push([...dirs]);
        // The first group's directory sync takes a while; the others arrive during it.
        if (syncs.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    const first = q.commit({ dirs: ['/a'], write: insert('1') });
    await Promise.resolve();
    const rest = [q.commit({ dirs: ['/b'], write: insert('2') }), q.commit({ dirs: ['/b'], write: insert('3') }), q.commit({ dirs: ['/c'], write: insert('4') })];
    expect(rows()).toEqual([]);
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual([2, 3, 4]);
    // Two groups: the lone first object, then the three that waited, with their directories synced once each.
    expect(syncs).toEqual([['/a'], ['/b', '/b', '/c']]);
    expect(rows()).toEqual(['1', '2', '3', '4']);
  });

  it('rolls back only the object whose rows fail, in its own savepoint', async () => {
    const q = new CommitQueue(db, { syncDirectories: async () => undefined });
    db.prepare('INSERT INTO t (v) VALUES (?)').run('taken');
    const results = await Promise.allSettled([
      q.commit({ dirs: [], write: insert('x') }),
      q.commit({
        dirs: [],
        write: () => {
          insert('half')();
          return insert('taken')();
        },
      }),
      q.commit({ dirs: [], write: insert('y') }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['taken', 'x', 'y']);
  });

  it('fails every object of a group whose directories cannot be synced, and writes none of their rows', async () => {
    const q = new CommitQueue(db, {
      syncDirectories: async () => {
        throw new Error('EIO');
      },
    });
    await expect(q.commit({ dirs: ['/a'], write: insert('x') })).rejects.toThrow('EIO');
    expect(rows()).toEqual([]);
  });

  it('splits a long queue into groups of at most maxRows', async () => {
    const sizes: number[] = [];
    const q = new CommitQueue(db, { maxRows: 2, syncDirectories: async (dirs) => void sizes.push([...dirs].length) });
    await Promise.all(['1', '2', '3', '4', '5'].map((v) => q.commit({ dirs: [v], write: insert(v) })));
    expect(sizes).toEqual([1, 2, 2]);
    expect(rows()).toEqual(['1', '2', '3', '4', '5']);
  });
});
