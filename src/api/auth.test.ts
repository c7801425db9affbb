import { describe, expect, it } from 'vitest';
import { isAuthorized, presentedSecret } from './auth.js';

const TOKEN = 'a-long-test-token-0123456789';
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('isAuthorized', () => {
  it('allows everything when no token is configured', () => {
    expect(isAuthorized(undefined, undefined)).toBe(true);
    expect(isAuthorized('Bearer whatever', '')).toBe(true);
  });

  it('accepts the bearer token and basic auth with any user', () => {
    expect(isAuthorized(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(isAuthorized(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(isAuthorized(basic('admin', TOKEN), TOKEN)).toBe(true);
    expect(isAuthorized(basic('', TOKEN), TOKEN)).toBe(true);
  });

  it('refuses a missing, malformed or wrong credential', () => {
    expect(isAuthorized(undefined, TOKEN)).toBe(false);
    expect(isAuthorized('', TOKEN)).toBe(false);
    expect(isAuthorized(TOKEN, TOKEN)).toBe(false);
    expect(isAuthorized(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(isAuthorized(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
    expect(isAuthorized(basic(TOKEN, 'nope'), TOKEN)).toBe(false);
    expect(isAuthorized(`Basic ${Buffer.from(TOKEN).toString('base64')}`, TOKEN)).toBe(false);
    expect(isAuthorized(`Token ${TOKEN}`, TOKEN)).toBe(false);
  });

  it('takes the password after the first colon (passwords may contain colons)', () => {
    expect(presentedSecret(basic('u', 'a:b'))).toBe('a:b');
  });
});
