import { describe, expect, it } from 'vitest';
import { csrfRefused, fromPageScript } from './csrf.js';

const SESSION = { idSha256: 'x', csrfToken: 'token-of-the-session', via: 'password' as const, createdAt: 0 };

describe('csrfRefused', () => {
  it('refuses state-changing cookie requests without the session token', () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect(csrfRefused(m, undefined, SESSION)).toBe(true);
      expect(csrfRefused(m, 'token-of-the-sessioN', SESSION)).toBe(true);
      expect(csrfRefused(m, ['token-of-the-session', 'token-of-the-session'], SESSION)).toBe(true);
      expect(csrfRefused(m, 'token-of-the-session', SESSION)).toBe(false);
    }
  });

  it('lets reads and requests without a session through', () => {
    expect(csrfRefused('GET', undefined, SESSION)).toBe(false);
    expect(csrfRefused('HEAD', undefined, SESSION)).toBe(false);
    expect(csrfRefused('POST', undefined, undefined)).toBe(false);
  });
});

describe('fromPageScript', () => {
  it('knows fetch() from navigations and scripts outside a browser', () => {
    expect(fromPageScript('cors')).toBe(true);
    expect(fromPageScript('same-origin')).toBe(true);
    expect(fromPageScript('navigate')).toBe(false);
    expect(fromPageScript(undefined)).toBe(false);
  });
});
