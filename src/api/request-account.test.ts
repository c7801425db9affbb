import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../access/accounts.js';
import { sessionLimits } from '../access/session-expiry.js';
import { startSession } from '../access/sessions.js';
import { findUser, setUserDisabled, setUserRole } from '../access/user-store.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { presentedCredentials } from './auth.js';
import { requestAccount } from './request-account.js';

const TOKEN = 'a-long-test-token-0123456789';
const NOW = 1_800_000_000_000;
const SESSION = { idleMinutes: 30, absoluteHours: 12 };
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('requestAccount', () => {
  let db: Db;
  let opToken: string;
  beforeAll(async () => {
    db = openDatabase(':memory:');
    await addUser(db, { name: 'op', role: 'operator', password: 'operator password' }, NOW);
    await addUser(db, { name: 'gone', role: 'admin', password: 'disabled password' }, NOW);
    setUserDisabled(db, 'gone', NOW);
    opToken = createApiToken(db, { user: 'op', label: 'test' }, NOW).token;
  });
  afterAll(() => db.close());

  describe('one shared token (no api.auth)', () => {
    const legacy = (header: string | undefined, token: string | undefined) => requestAccount({ authorization: header }, { token }, db, NOW);

    it('lets everyone in as admin when no token is configured', async () => {
      expect(await legacy(undefined, undefined)).toEqual({ user: 'anonymous', role: 'admin' });
      expect(await legacy('Bearer whatever', '')).toEqual({ user: 'anonymous', role: 'admin' });
    });

    it('accepts the bearer token and basic auth with any user', async () => {
      for (const h of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, basic('admin', TOKEN), basic('', TOKEN)]) {
        expect(await legacy(h, TOKEN)).toEqual({ user: 'shared-token', role: 'admin' });
      }
    });

    it('refuses a missing, malformed or wrong credential, and user tokens', async () => {
      const wrong = [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, basic(TOKEN, 'nope'), `Basic ${Buffer.from(TOKEN).toString('base64')}`, `Token ${TOKEN}`, `Bearer ${opToken}`];
      for (const h of wrong) expect(await legacy(h, TOKEN)).toBeUndefined();
    });
  });

  describe('named users (api.auth)', () => {
    const users = (header: string | undefined, passwordLogin = true) => requestAccount({ authorization: header }, { auth: { passwordLogin, session: SESSION } }, db, NOW);

    it('knows a user by API token or by password', async () => {
      expect(await users(`Bearer ${opToken}`)).toMatchObject({ user: 'op', role: 'operator' });
      expect(await users(basic('op', 'operator password'))).toEqual({ user: 'op', role: 'operator' });
    });

    it('refuses wrong passwords, disabled users, password login when it is off, and nothing at all', async () => {
      expect(await users(basic('op', 'operator passworD'))).toBeUndefined();
      expect(await users(basic('gone', 'disabled password'))).toBeUndefined();
      expect(await users(basic('op', 'operator password'), false)).toBeUndefined();
      expect(await users(`Bearer ${opToken}`, false)).toMatchObject({ user: 'op' });
      expect(await users(undefined)).toBeUndefined();
      expect(await users(`Bearer ${TOKEN}`)).toBeUndefined();
    });
  });

  describe('session cookie (api.auth)', () => {
    const withCookie = (sessionId: string, now: number, authorization?: string) =>
      requestAccount({ sessionId, authorization }, { auth: { passwordLogin: true, session: SESSION } }, db, now);

    it('knows the user of a live session, with its CSRF token, and follows role changes of the local user', async () => {
      const op = findUser(db, 'op')!;
      const s = startSession(db, { userId: op.id, userName: 'op', role: 'operator', via: 'password', client: '127.0.0.1' }, sessionLimits(SESSION), NOW);
      expect(await withCookie(s.id, NOW + 1000)).toMatchObject({ user: 'op', role: 'operator', session: { csrfToken: s.csrfToken, via: 'password' } });
      setUserRole(db, 'op', 'viewer');
      expect(await withCookie(s.id, NOW + 2000)).toMatchObject({ role: 'viewer' });
      setUserRole(db, 'op', 'operator');
      // An Authorization header wins over the cookie; a bad header is not rescued by the cookie.
      expect(await withCookie(s.id, NOW + 3000, `Bearer ${opToken}`)).not.toHaveProperty('session');
      expect(await withCookie(s.id, NOW + 3000, 'Bearer nonsense')).toBeUndefined();
      expect(await requestAccount({ sessionId: s.id }, { token: TOKEN }, db, NOW)).toBeUndefined();
    });

    it('ends a session at the idle and the absolute limit, for a disabled user, and for unknown ids', async () => {
      const idle = startSession(db, { userId: null, userName: 'sso-user', role: 'viewer', via: 'oidc', client: '::1' }, sessionLimits(SESSION), NOW);
      expect(await withCookie(idle.id, NOW + 29 * 60_000)).toMatchObject({ user: 'sso-user', role: 'viewer' });
      expect(await withCookie(idle.id, NOW + 29 * 60_000 + 30 * 60_000)).toBeUndefined();
      // Ended sessions are deleted: not even an earlier clock brings it back.
      expect(await withCookie(idle.id, NOW + 1)).toBeUndefined();

      const busy = startSession(db, { userId: null, userName: 'sso-user', role: 'viewer', via: 'oidc', client: '::1' }, sessionLimits(SESSION), NOW);
      let t = NOW;
      for (; t < NOW + 12 * 3_600_000 - 20 * 60_000; t += 20 * 60_000) expect(await withCookie(busy.id, t)).toBeDefined();
      expect(await withCookie(busy.id, NOW + 12 * 3_600_000)).toBeUndefined();

      const gone = findUser(db, 'gone')!;
      const disabled = startSession(db, { userId: gone.id, userName: 'gone', role: 'admin', via: 'password', client: '::1' }, sessionLimits(SESSION), NOW);
      expect(await withCookie(disabled.id, NOW + 1)).toBeUndefined();
      expect(await withCookie('x'.repeat(43), NOW)).toBeUndefined();
      expect(await withCookie('short', NOW)).toBeUndefined();
    });
  });

  it('counts wrong Basic passwords towards the sign-in limit, and refuses a right one once locked out', async () => {
    const limited = { passwordLogin: true, session: SESSION, loginLimit: { maxFailures: 2, maxFailuresPerAddress: 10, windowMinutes: 1 } };
    const call = (password: string, now: number) => requestAccount({ authorization: basic('op', password), client: '10.9.9.9' }, { auth: limited }, db, now);
    expect(await call('operator password', NOW)).toMatchObject({ user: 'op' });
    expect(await call('wrong one', NOW)).toBeUndefined();
    expect(await call('wrong two', NOW + 1)).toBeUndefined();
    expect(await call('operator password', NOW + 2)).toBeUndefined();
    expect(await call('operator password', NOW + 60_001)).toMatchObject({ user: 'op' });
  });

  it('takes the password after the first colon (passwords may contain colons)', () => {
    expect(presentedCredentials(basic('u', 'a:b'))).toEqual({ scheme: 'basic', user: 'u', password: 'a:b' });
  });
});
