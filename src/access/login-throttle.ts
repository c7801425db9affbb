/**
 * Rate limiting of password sign-ins: failed attempts are kept per user name and client address
 * (in SQLite, so a restart does not reset a lockout). Once either has its limit of failures inside
 * the window, further attempts are refused before the password is checked, a right one included,
 * until the oldest failure leaves the window.
 */
import type { Db } from '../provenance/database.js';
import { prepared } from '../provenance/statement-cache.js';

export interface LoginLimit {
  maxFailures: number;
  maxFailuresPerAddress: number;
  windowMs: number;
}

/** undefined: go ahead; else refused, and when to try again. */
export type LoginLockout = { retryAfterMs: number; by: 'user' | 'address' } | undefined;

/**
 * The lockout of a user name and an address, from the times of their failures inside the window
 * (oldest first) — pure, so the rule is tested on its own.
 */
export function lockoutOf(userFailures: number[], addressFailures: number[], limit: LoginLimit, now: number): LoginLockout {
  const check = (times: number[], max: number, by: 'user' | 'address'): LoginLockout => {
    if (times.length < max) return undefined;
    // Allowed again once enough failures have left the window to be under the limit.
    const freeingFailure = times[times.length - max]!;
    return { retryAfterMs: Math.max(1, freeingFailure + limit.windowMs - now), by };
  };
  return check(userFailures, limit.maxFailures, 'user') ?? check(addressFailures, limit.maxFailuresPerAddress, 'address');
}

export function loginLockout(db: Db, user: string, client: string, limit: LoginLimit, now: number): LoginLockout {
  const since = now - limit.windowMs;
  prepared(db, 'DELETE FROM login_failures WHERE at <= ?').run(since);
  const byUser = (prepared(db, 'SELECT at FROM login_failures WHERE user_name = ? AND at > ? ORDER BY at').all(user, since) as Array<{ at: number }>).map((r) => r.at);
  const byClient = (prepared(db, 'SELECT at FROM login_failures WHERE client = ? AND at > ? ORDER BY at').all(client, since) as Array<{ at: number }>).map((r) => r.at);
  return lockoutOf(byUser, byClient, limit, now);
}

export function recordLoginFailure(db: Db, user: string, client: string, now: number): void {
  prepared(db, 'INSERT INTO login_failures (at, user_name, client) VALUES (?, ?, ?)').run(now, user, client);
}

/** A successful sign-in clears the user's failures (not the address's: one right password does not vouch for the other names tried from there). */
export function clearLoginFailures(db: Db, user: string): void {
  prepared(db, 'DELETE FROM login_failures WHERE user_name = ?').run(user);
}

export function loginLimit(s: { maxFailures: number; maxFailuresPerAddress: number; windowMinutes: number }): LoginLimit {
  return { maxFailures: s.maxFailures, maxFailuresPerAddress: s.maxFailuresPerAddress, windowMs: s.windowMinutes * 60_000 };
}
