import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../provenance/database.js';
import { accountByApiToken, accountByPassword, AccountError, addUser, createApiToken, resetPassword, revokeToken } from './accounts.js';
import { apiTokenDigest } from './api-token-secret.js';
import { listApiTokens } from './token-store.js';
import { findUser, listUsers, setUserDisabled } from './user-store.js';

const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

describe('accounts', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
  });
  afterEach(() => db.close());

  it('adds users with a role; names are unique regardless of case and well-formed', async () => {
    await addUser(db, { name: 'ana@radiology', role: 'viewer', password: 'a long enough password' }, T0);
    await expect(addUser(db, { name: 'ANA@radiology', role: 'admin' }, T0)).rejects.toThrow(AccountError);
    await expect(addUser(db, { name: 'bad name', role: 'admin' }, T0)).rejects.toThrow(/not 1–64 letters/);
    expect(listUsers(db).map((u) => [u.name, u.role])).toEqual([['ana@radiology', 'viewer']]);
  });

  it('a password logs in only its user, only while enabled, and a reset replaces it', async () => {
    await addUser(db, { name: 'op', role: 'operator', password: 'first password 1' }, T0);
    await addUser(db, { name: 'tokenonly', role: 'viewer' }, T0);
    expect(await accountByPassword(db, 'op', 'first password 1')).toEqual({ user: 'op', role: 'operator' });
    expect(await accountByPassword(db, 'op', 'first password 2')).toBeUndefined();
    expect(await accountByPassword(db, 'nobody', 'first password 1')).toBeUndefined();
    expect(await accountByPassword(db, 'tokenonly', '')).toBeUndefined();
    await resetPassword(db, 'op', 'second password 2', T0 + 1);
    expect(await accountByPassword(db, 'op', 'first password 1')).toBeUndefined();
    expect(await accountByPassword(db, 'op', 'second password 2')).toMatchObject({ user: 'op' });
    setUserDisabled(db, 'op', T0 + 2);
    expect(await accountByPassword(db, 'op', 'second password 2')).toBeUndefined();
  });

  it('a token is stored only as its digest and works until it expires, is revoked or its user is disabled', async () => {
    await addUser(db, { name: 'script', role: 'operator' }, T0);
    const t = createApiToken(db, { user: 'script', label: 'requeue cron', expiresInDays: 30 }, T0);
    expect(t.token).toMatch(/^unt_[A-Za-z0-9_-]{43}$/);
    expect(t.expiresAt).toBe(T0 + 30 * DAY);
    const raw = db.prepare('SELECT token_sha256 FROM api_tokens WHERE id = ?').get(t.id) as { token_sha256: string };
    expect(raw.token_sha256).toBe(apiTokenDigest(t.token));
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all())).not.toContain(t.token);

    expect(accountByApiToken(db, t.token, T0 + DAY)).toEqual({ user: 'script', role: 'operator', tokenId: t.id });
    expect(listApiTokens(db, 'script')[0]!.lastUsedAt).toBe(T0 + DAY);
    expect(accountByApiToken(db, t.token.slice(0, -1) + (t.token.endsWith('A') ? 'B' : 'A'), T0)).toBeUndefined();
    expect(accountByApiToken(db, t.token, T0 + 30 * DAY)).toBeUndefined();

    const u = createApiToken(db, { user: 'script', label: 'second' }, T0);
    expect(accountByApiToken(db, u.token, T0 + 900 * DAY)).toMatchObject({ user: 'script' });
    setUserDisabled(db, 'script', T0);
    expect(accountByApiToken(db, u.token, T0)).toBeUndefined();
    setUserDisabled(db, 'script', null);
    revokeToken(db, u.id, T0 + 5);
    expect(accountByApiToken(db, u.token, T0 + 6)).toBeUndefined();
    expect(() => revokeToken(db, u.id, T0 + 7)).toThrow(/no unrevoked token/);
    expect(findUser(db, 'script')!.disabledAt).toBeNull();
  });

  it('refuses tokens for unknown users and non-positive lifetimes', async () => {
    expect(() => createApiToken(db, { user: 'ghost', label: 'x' }, T0)).toThrow(/no user "ghost"/);
    await addUser(db, { name: 'x', role: 'admin' }, T0);
    expect(() => createApiToken(db, { user: 'x', label: 'x', expiresInDays: 0 }, T0)).toThrow(/positive/);
  });
});
