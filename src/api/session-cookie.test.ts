import { describe, expect, it } from 'vitest';
import { cookieValue, sessionCookieName, sessionSetCookie } from './session-cookie.js';

describe('session cookie', () => {
  it('is a __Host- Secure cookie over https and a plain one over http, HttpOnly and SameSite=Strict both', () => {
    expect(sessionSetCookie(true, 'abc', 3600)).toBe('__Host-unimie_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure');
    expect(sessionSetCookie(false, 'abc', 3600)).toBe('unimie_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600');
    expect(sessionSetCookie(true, null)).toBe('__Host-unimie_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  it('reads its own name only', () => {
    const header = 'x=1; unimie_session=plain; __Host-unimie_session=secure';
    expect(cookieValue(header, sessionCookieName(false))).toBe('plain');
    expect(cookieValue(header, sessionCookieName(true))).toBe('secure');
    expect(cookieValue('unimie_session_x=1', 'unimie_session')).toBeUndefined();
    expect(cookieValue(undefined, 'unimie_session')).toBeUndefined();
  });
});
