import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

const cache = new WeakMap<Db, Map<string, Statement>>();

/** `db.prepare(sql)`, compiled once per connection and reused (repositories run hot paths). */
export function prepared(db: Db, sql: string): Statement {
  let byDb = cache.get(db);
  if (!byDb) {
    byDb = new Map();
    cache.set(db, byDb);
  }
  let s = byDb.get(sql);
  if (!s) {
    s = db.prepare(sql);
    byDb.set(sql, s);
  }
  return s;
}
