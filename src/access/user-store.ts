/** API users: a unique name (case-insensitive), a role, an argon2id password hash, disabled or not. */
import type { Role } from './roles.js';
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  passwordHash: string | null;
  disabledAt: number | null;
  createdAt: number;
  passwordChangedAt: number | null;
}

interface RawUser {
  id: number;
  name: string;
  role: Role;
  password_hash: string | null;
  disabled_at: number | null;
  created_at: number;
  password_changed_at: number | null;
}

const COLUMNS = 'id, name, role, password_hash, disabled_at, created_at, password_changed_at';

function toRow(r: RawUser): UserRow {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    passwordHash: r.password_hash,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    passwordChangedAt: r.password_changed_at,
  };
}

export class UserExistsError extends Error {}

export function insertUser(db: Db, u: { name: string; role: Role; passwordHash: string | null; now: number }): UserRow {
  if (findUser(db, u.name)) throw new UserExistsError(`user "${u.name}" exists`);
  const id = Number(
    prepared(db, 'INSERT INTO users (name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)').run(
      u.name,
      u.role,
      u.passwordHash,
      u.now,
      u.passwordHash ? u.now : null,
    ).lastInsertRowid,
  );
  return findUserById(db, id)!;
}

export function findUser(db: Db, name: string): UserRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM users WHERE name = ?`).get(name) as RawUser | undefined;
  return r && toRow(r);
}

export function findUserById(db: Db, id: number): UserRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as RawUser | undefined;
  return r && toRow(r);
}

export function listUsers(db: Db): UserRow[] {
  return (prepared(db, `SELECT ${COLUMNS} FROM users ORDER BY name`).all() as RawUser[]).map(toRow);
}

/** Disables (`at` a time) or enables (`at` null) a user; false when there is no such user. */
export function setUserDisabled(db: Db, name: string, at: number | null): boolean {
  return prepared(db, 'UPDATE users SET disabled_at = ? WHERE name = ?').run(at, name).changes === 1;
}

export function setUserPassword(db: Db, name: string, passwordHash: string, now: number): boolean {
  return prepared(db, 'UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?').run(passwordHash, now, name).changes === 1;
}

export function setUserRole(db: Db, name: string, role: Role): boolean {
  return prepared(db, 'UPDATE users SET role = ? WHERE name = ?').run(role, name).changes === 1;
}
