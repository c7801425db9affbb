import { describe, expect, it } from 'vitest';
import { openDatabase } from '../provenance/database.js';
import { clearLoginFailures, lockoutOf, loginLockout, recordLoginFailure } from './login-throttle.js';

const LIMIT = { maxFailures: 3, maxFailuresPerAddress: 5, windowMs: 60_000 };

describe('lockoutOf', () => {
  it('lets attempts through below the limit and refuses at it, until the freeing failure leaves the window', () => {
    expect(lockoutOf([1000, 2000], [], LIMIT, 3000)).toBeUndefined();
    expect(lockoutOf([1000, 2000, 3000], [], LIMIT, 4000)).toEqual({ retryAfterMs: 57_000, by: 'user' });
    // Four failures, limit three: the second one must leave the window.
    expect(lockoutOf([1000, 2000, 3000, 3500], [], LIMIT, 4000)).toEqual({ retryAfterMs: 58_000, by: 'user' });
    expect(lockoutOf([], [1, 2, 3, 4, 5], LIMIT, 10)).toEqual({ retryAfterMs: 59_991, by: 'address' });
  });
});

describe('loginLockout', () => {
  it('counts failures per user (any case) and per address inside the window; success clears the user', () => {
    const db = openDatabase(':memory:');
    for (const t of [1000, 2000, 3000]) recordLoginFailure(db, 'Alice', '10.0.0.1', t);
    expect(loginLockout(db, 'alice', '10.0.0.9', LIMIT, 4000)).toMatchObject({ by: 'user' });
    expect(loginLockout(db, 'bob', '10.0.0.1', LIMIT, 4000)).toBeUndefined();
    expect(loginLockout(db, 'alice', '10.0.0.9', LIMIT, 61_001)).toBeUndefined();
    for (const t of [62_000, 62_001]) recordLoginFailure(db, 'bob', '10.0.0.1', t);
    for (const t of [62_002, 62_003, 62_004]) recordLoginFailure(db, 'carol', '10.0.0.1', t);
    expect(loginLockout(db, 'dave', '10.0.0.1', LIMIT, 63_000)).toMatchObject({ by: 'address' });
    clearLoginFailures(db, 'carol');
    expect(loginLockout(db, 'carol', '10.0.0.2', LIMIT, 63_000)).toBeUndefined();
    db.close();
  });
});
