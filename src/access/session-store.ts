/**
 * Dashboard sessions: only the SHA-256 of a session id is stored (ids are 256-bit random, so a
 * fast hash is enough), with the CSRF token the page must echo on state-changing requests.
 */
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';
import type { Role } from './roles.js';

export interface SessionRow {
  idSha256: string;
  /** The local user signed in with a password; null for single sign-on users (no local row). */
  userId: number | null;
  userName: string;
  role: Role;
  via: 'password' | 'oidc';
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  client: string | null;
}

interface RawSession {
  id_sha256: string;
  user_id: number | null;
  user_name: string;
  role: Role;
  via: 'password' | 'oidc';
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  client: string | null;
}

function toRow(r: RawSession): SessionRow {
  return {
    idSha256: r.id_sha256,
    userId: r.user_id,
    userName: r.user_name,
    role: r.role,
    via: r.via,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    client: r.client,
  };
}

export function insertSession(db: Db, s: SessionRow): void {
  prepared(
    db,
    'INSERT INTO sessions (id_sha256, user_id, user_name, role, via, csrf_token, created_at, last_seen_at, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(s.idSha256, s.userId, s.userName, s.role, s.via, s.csrfToken, s.createdAt, s.lastSeenAt, s.client);
}

export function findSession(db: Db, idSha256: string): SessionRow | undefined {
  const r = prepared(db, 'SELECT * FROM sessions WHERE id_sha256 = ?').get(idSha256) as RawSession | undefined;
  return r && toRow(r);
}

export function touchSession(db: Db, idSha256: string, now: number): void {
  prepared(db, 'UPDATE sessions SET last_seen_at = ? WHERE id_sha256 = ?').run(now, idSha256);
}

export function deleteSession(db: Db, idSha256: string): boolean {
  return prepared(db, 'DELETE FROM sessions WHERE id_sha256 = ?').run(idSha256).changes === 1;
}

/** Deletes sessions idle since before `idleBefore` or created before `createdBefore`; returns how many. */
export function deleteExpiredSessions(db: Db, idleBefore: number, createdBefore: number): number {
  return prepared(db, 'DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(idleBefore, createdBefore).changes;
}
