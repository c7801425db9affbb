/**
 * API tokens of users: only the SHA-256 of a token is stored (tokens are 256-bit random, so a
 * fast hash is enough; passwords, which people choose, get argon2id). Revoked or expired tokens
 * stay as rows, for the audit of who held what.
 */
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';

export interface ApiTokenRow {
  id: number;
  userId: number;
  userName: string;
  label: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface RawToken {
  id: number;
  user_id: number;
  user_name: string;
  label: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const SELECT = `SELECT t.id, t.user_id, u.name AS user_name, t.label, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id`;

function toRow(r: RawToken): ApiTokenRow {
  return {
    id: r.id,
    userId: r.user_id,
    userName: r.user_name,
    label: r.label,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

export function insertApiToken(db: Db, t: { userId: number; label: string; tokenSha256: string; now: number; expiresAt: number | null }): number {
  return Number(
    prepared(db, 'INSERT INTO api_tokens (user_id, label, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
      t.userId,
      t.label,
      t.tokenSha256,
      t.now,
      t.expiresAt,
    ).lastInsertRowid,
  );
}

export function findApiTokenByHash(db: Db, tokenSha256: string): ApiTokenRow | undefined {
  const r = prepared(db, `${SELECT} WHERE t.token_sha256 = ?`).get(tokenSha256) as RawToken | undefined;
  return r && toRow(r);
}

export function listApiTokens(db: Db, userName?: string): ApiTokenRow[] {
  const rows = userName
    ? (prepared(db, `${SELECT} WHERE u.name = ? ORDER BY t.id`).all(userName) as RawToken[])
    : (prepared(db, `${SELECT} ORDER BY t.id`).all() as RawToken[]);
  return rows.map(toRow);
}

/** Revokes a token that is not revoked yet; false when there is none with that id. */
export function revokeApiToken(db: Db, id: number, now: number): boolean {
  return prepared(db, 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1;
}

export function touchApiToken(db: Db, id: number, now: number): void {
  prepared(db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, id);
}
