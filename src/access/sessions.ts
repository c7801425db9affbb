import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../provenance/database.js';
import type { Account } from './accounts.js';
import type { Role } from './roles.js';
import { sessionExpired, sessionNeedsTouch, type SessionLimits } from './session-expiry.js';
import { deleteExpiredSessions, deleteSession, findSession, insertSession, touchSession } from './session-store.js';
import { findUserById } from './user-store.js';

/** A session id as the cookie carries it: 256 random bits, base64url (43 characters). */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function sessionIdDigest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** A session a request presented and the node accepted. */
export interface ActiveSession {
  idSha256: string;
  csrfToken: string;
  via: 'password' | 'oidc';
  createdAt: number;
}

export interface StartedSession extends ActiveSession {
  /** The id for the cookie: given once, only its digest is kept. */
  id: string;
}

/**
 * Starts a session for a user who just signed in. Password users keep their local user row (a
 * later role change or disabling reaches the session); single sign-on users carry the role the
 * provider's claim gave at sign-in.
 */
export function startSession(
  db: Db,
  s: { userId: number | null; userName: string; role: Role; via: 'password' | 'oidc'; client: string },
  limits: SessionLimits,
  now: number,
): StartedSession {
  deleteExpiredSessions(db, now - limits.idleMs, now - limits.absoluteMs);
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const idSha256 = sessionIdDigest(id);
  insertSession(db, { idSha256, userId: s.userId, userName: s.userName, role: s.role, via: s.via, csrfToken, createdAt: now, lastSeenAt: now, client: s.client });
  return { id, idSha256, csrfToken, via: s.via, createdAt: now };
}

/** The account of a live session (idle and absolute limits, an enabled user, no password reset since), or undefined; ended sessions are deleted. */
export function accountBySession(db: Db, id: string, limits: SessionLimits, now: number): (Account & { session: ActiveSession }) | undefined {
  if (!SESSION_ID.test(id)) return undefined;
  const idSha256 = sessionIdDigest(id);
  const s = findSession(db, idSha256);
  if (!s) return undefined;
  if (sessionExpired(s, limits, now)) {
    deleteSession(db, idSha256);
    return undefined;
  }
  let role = s.role;
  if (s.userId !== null) {
    const u = findUserById(db, s.userId);
    // A password reset ends every session opened before it (someone may have had the old password).
    if (!u || u.disabledAt !== null || (u.passwordChangedAt !== null && s.createdAt < u.passwordChangedAt)) {
      deleteSession(db, idSha256);
      return undefined;
    }
    role = u.role;
  }
  if (sessionNeedsTouch(s.lastSeenAt, limits, now)) touchSession(db, idSha256, now);
  return { user: s.userName, role, session: { idSha256, csrfToken: s.csrfToken, via: s.via, createdAt: s.createdAt } };
}

export function endSession(db: Db, idSha256: string): boolean {
  return deleteSession(db, idSha256);
}

/**
 * Whether a session is still live, without counting this as activity (a long-lived response such
 * as the event stream checks it while it runs, and must not keep an idle session alive).
 */
export function sessionLive(db: Db, idSha256: string, limits: SessionLimits, now: number): boolean {
  const s = findSession(db, idSha256);
  return !!s && !sessionExpired(s, limits, now);
}
