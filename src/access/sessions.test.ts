import { describe, expect, it } from 'vitest';
import { openDatabase } from '../provenance/database.js';
import { sessionLimits } from './session-expiry.js';
import { findSession } from './session-store.js';
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
});
