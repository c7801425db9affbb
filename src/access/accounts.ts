import type { Db } from '../provenance/database.js';
import { apiTokenDigest, looksLikeApiToken, newApiTokenSecret } from './api-token-secret.js';
import { hashPassword, passwordMatches } from './passwords.js';
import type { Role } from './roles.js';
import { findApiTokenByHash, insertApiToken, revokeApiToken, touchApiToken } from './token-store.js';
import { findUser, findUserById, insertUser, setUserPassword, type UserRow } from './user-store.js';

/** Letters, digits and . _ @ - (an e-mail address or a directory login), 1–64 characters. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** `last_used_at` is written at most this often per token, so reads do not each cost a write. */
const TOUCH_EVERY_MS = 60_000;

export class AccountError extends Error {}

export async function addUser(db: Db, u: { name: string; role: Role; password?: string }, now: number): Promise<UserRow> {
  if (!USER_NAME.test(u.name)) throw new AccountError(`user name "${u.name}" is not 1–64 letters, digits or . _ @ -`);
  if (findUser(db, u.name)) throw new AccountError(`user "${u.name}" exists`);
  const passwordHash = u.password === undefined ? null : await hashPassword(u.password);
  return insertUser(db, { name: u.name, role: u.role, passwordHash, now });
}

export async function resetPassword(db: Db, name: string, password: string, now: number): Promise<void> {
  if (!findUser(db, name)) throw new AccountError(`no user "${name}"`);
  setUserPassword(db, name, await hashPassword(password), now);
}

/** An account as the API's access check sees it: who, with which role. */
export interface Account {
  user: string;
  role: Role;
  /** The token that authenticated the request, when it was a token. */
  tokenId?: number;
}

/** The user a password belongs to, when the user exists, is enabled and the password matches. */
export async function accountByPassword(db: Db, name: string, password: string): Promise<Account | undefined> {
  const u = findUser(db, name);
  if (!u || u.disabledAt !== null || u.passwordHash === null) return undefined;
  return (await passwordMatches(u.passwordHash, password)) ? { user: u.name, role: u.role } : undefined;
}

/** The account of an API token that is neither revoked nor expired, of an enabled user. */
export function accountByApiToken(db: Db, token: string, now: number): Account | undefined {
  if (!looksLikeApiToken(token)) return undefined;
  const t = findApiTokenByHash(db, apiTokenDigest(token));
  if (!t || t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) return undefined;
  const u = findUserById(db, t.userId);
  if (!u || u.disabledAt !== null) return undefined;
  if (t.lastUsedAt === null || now - t.lastUsedAt >= TOUCH_EVERY_MS) touchApiToken(db, t.id, now);
  return { user: u.name, role: u.role, tokenId: t.id };
}

export interface CreatedApiToken {
  id: number;
  /** The token itself: shown once, only its digest is kept. */
  token: string;
  expiresAt: number | null;
}

export function createApiToken(db: Db, t: { user: string; label: string; expiresInDays?: number }, now: number): CreatedApiToken {
  const u = findUser(db, t.user);
  if (!u) throw new AccountError(`no user "${t.user}"`);
  if (t.expiresInDays !== undefined && !(t.expiresInDays > 0)) throw new AccountError('a token expires after a positive number of days');
  const token = newApiTokenSecret();
  const expiresAt = t.expiresInDays === undefined ? null : now + Math.round(t.expiresInDays * 86_400_000);
  const id = insertApiToken(db, { userId: u.id, label: t.label, tokenSha256: apiTokenDigest(token), now, expiresAt });
  return { id, token, expiresAt };
}

export function revokeToken(db: Db, id: number, now: number): void {
  if (!revokeApiToken(db, id, now)) throw new AccountError(`no unrevoked token with id ${id}`);
}
