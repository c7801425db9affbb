import { describe, expect, it } from 'vitest';
import { openDatabase } from '../provenance/database.js';
import { sessionLimits } from './session-expiry.js';
import { addUser, resetPassword } from './accounts.js';
import { findSession } from './session-store.js';
import { findUser, setUserDisabled, setUserRole } from './user-store.js';
import { accountBySession, endSession, sessionIdDigest, sessionLive, startSession } from './sessions.js';

const LIMITS = sessionLimits({ idleMinutes: 1, absoluteHours: 1 });
const NOW = 1_800_000_000_000;

describe('sessions', () => {
  it('keeps only the digest of the id; a check of liveness does not count as activity, a request does', () => {
    const db = openDatabase(':memory:');
    const s = startSession(db, { userId: null, userName: 'sso', role: 'viewer', via: 'oidc', client: '::1' }, LIMITS, NOW);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(findSession(db, s.idSha256)).toMatchObject({ idSha256: sessionIdDigest(s.id), userName: 'sso' });
    expect(JSON.stringify(db.prepare('SELECT * FROM sessions').all())).not.toContain(s.id);

    expect(sessionLive(db, s.idSha256, LIMITS, NOW + 50_000)).toBe(true);
    expect(sessionLive(db, s.idSha256, LIMITS, NOW + 60_000)).toBe(false);
    expect(accountBySession(db, s.id, LIMITS, NOW + 50_000)).toMatchObject({ user: 'sso' });
    expect(sessionLive(db, s.idSha256, LIMITS, NOW + 60_000)).toBe(true);

    expect(endSession(db, s.idSha256)).toBe(true);
    expect(sessionLive(db, s.idSha256, LIMITS, NOW)).toBe(false);
    expect(accountBySession(db, s.id, LIMITS, NOW)).toBeUndefined();
    db.close();
  });

  it("a password user's session follows the user: a new role at once, ended by disabling or a password reset", async () => {
    const db = openDatabase(':memory:');
    await addUser(db, { name: 'ana', role: 'viewer', password: 'first long password' }, NOW - 1000);
    const start = () => startSession(db, { userId: findUser(db, 'ana')!.id, userName: 'ana', role: 'viewer', via: 'password', client: '::1' }, LIMITS, NOW);
    const a = start();
    setUserRole(db, 'ana', 'operator');
    expect(accountBySession(db, a.id, LIMITS, NOW + 1)).toMatchObject({ user: 'ana', role: 'operator' });
    await resetPassword(db, 'ana', 'second long password', NOW + 2);
    expect(accountBySession(db, a.id, LIMITS, NOW + 3)).toBeUndefined();
    expect(findSession(db, a.idSha256)).toBeUndefined();
    const b = startSession(db, { userId: findUser(db, 'ana')!.id, userName: 'ana', role: 'operator', via: 'password', client: '::1' }, LIMITS, NOW + 4);
    expect(accountBySession(db, b.id, LIMITS, NOW + 5)).toMatchObject({ user: 'ana' });
    setUserDisabled(db, 'ana', NOW + 6);
    expect(accountBySession(db, b.id, LIMITS, NOW + 7)).toBeUndefined();
    db.close();
  });
});
