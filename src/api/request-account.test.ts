import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../access/accounts.js';
import { setUserDisabled } from '../access/user-store.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { presentedCredentials } from './auth.js';
import { requestAccount } from './request-account.js';

const TOKEN = 'a-long-test-token-0123456789';
const NOW = 1_800_000_000_000;
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
    const legacy = (header: string | undefined, token: string | undefined) => requestAccount(header, { token }, db, NOW);

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
    const users = (header: string | undefined, passwordLogin = true) => requestAccount(header, { auth: { passwordLogin } }, db, NOW);

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

  it('takes the password after the first colon (passwords may contain colons)', () => {
    expect(presentedCredentials(basic('u', 'a:b'))).toEqual({ scheme: 'basic', user: 'u', password: 'a:b' });
  });
});
