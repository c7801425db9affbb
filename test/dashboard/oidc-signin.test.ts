import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../src/audit/audit-log.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium, startSignInApi, type SignInApi } from './signin-api.js';

/**
 * Single sign-on with OpenID Connect in Debian's chromium: the dashboard's SSO link, a local
 * provider (oidc-provider, started here on loopback) with its development login page, and the
 * node's callback. A mapped role signs in; no mapped role, an ID token for another client and an
 * expired ID token are refused with no session, and each outcome is audited.
 */
describe('single sign-on (OpenID Connect) in chromium against a local provider', () => {
  let node: SignInApi;
  let provider: TestOidcProvider;
  let browser: Browser;

  beforeAll(async () => {
    const providerPort = await freePort();
    node = await startSignInApi('{}');
    provider = await startOidcProvider({
      port: providerPort,
      redirectUri: `${node.base}/api/login/oidc/callback`,
      roles: { alice: ['pacs-ops', 'staff'], bob: ['staff'], carol: ['pacs-admins'], dave: ['pacs-readers'] },
    });
    node.setAuth(`{ oidc: { issuer: "${provider.issuer}", clientId: ${provider.clientId}, clientSecret: ${provider.clientSecret}, scopes: [openid, profile, roles], roleClaim: roles, roleMap: { pacs-readers: viewer, pacs-ops: operator, pacs-admins: admin }, clockToleranceSeconds: 0, label: Hospital SSO } }`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    await node?.stop();
  });

  /** Opens the dashboard in a fresh browser profile, follows the SSO link and signs in at the provider as `login`. */
  async function signInAs(login: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${node.base}/dashboard`);
    await page.locator('#sso-link').waitFor({ state: 'visible' });
    expect(await page.textContent('#sso-link')).toBe('Hospital SSO');
    await page.click('#sso-link');
    await page.waitForURL((u) => u.href.startsWith(provider.issuer));
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.locator('button', { hasText: 'Continue' }).click();
    await page.waitForURL((u) => u.href.startsWith(node.base));
    return page;
  }

  const sessionCookies = async (page: Page) => (await page.context().cookies()).filter((c) => c.name === 'unimie_session');

  it('signs in a user whose roles claim maps to a role (the highest one) and shows user and role', async () => {
    const page = await signInAs('alice');
    await page.locator('#account-name').filter({ hasText: 'alice (operator)' }).waitFor();
    expect(await page.locator('#signin-dialog').isVisible()).toBe(false);
    expect(await sessionCookies(page)).toHaveLength(1);
    // The session works for the API like a password session: CSRF token included.
    const me = await page.evaluate(async () => (await fetch('/api/me')).json());
    expect(me).toMatchObject({ user: 'alice', role: 'operator', csrfToken: expect.any(String) });
    const audit = queryAudit(node.fx.db, { actor: 'alice', eventId: '110114' });
    expect(audit[0]).toMatchObject({ eventType: '110122', outcome: 0, route: 'GET /api/login/oidc/callback' });
    await page.context().close();
  });

  it('refuses a user whose claim maps to no role: a 403 page, no session, audited', async () => {
    const page = await signInAs('bob');
    expect(await page.textContent('h1')).toBe('No access');
    expect(await sessionCookies(page)).toEqual([]);
    const audit = queryAudit(node.fx.db, { actor: 'bob', eventId: '110114' });
    expect(audit[0]).toMatchObject({ eventType: '110122', outcome: 4, detail: 'oidc: no role for the roles claim' });
    await page.context().close();
  });

  it('refuses an ID token issued for another client (wrong audience)', async () => {
    provider.tamper = 'wrong-audience';
    try {
      const page = await signInAs('carol');
      expect(await page.textContent('h1')).toBe('Sign-in refused');
      expect(await page.textContent('p')).toMatch(/aud/);
      expect(await sessionCookies(page)).toEqual([]);
      await page.context().close();
    } finally {
      provider.tamper = 'none';
    }
    const refused = queryAudit(node.fx.db, { eventId: '110114', failures: true }).find((e) => /aud/.test(e.detail ?? ''));
    expect(refused).toMatchObject({ eventType: '110122', outcome: 4, actor: { name: '-' } });
  });

  it('refuses an expired ID token', async () => {
    provider.tamper = 'expired';
    try {
      const page = await signInAs('dave');
      expect(await page.textContent('h1')).toBe('Sign-in refused');
      expect(await page.textContent('p')).toMatch(/exp/);
      expect(await sessionCookies(page)).toEqual([]);
      await page.context().close();
    } finally {
      provider.tamper = 'none';
    }
    const refused = queryAudit(node.fx.db, { eventId: '110114', failures: true }).find((e) => /exp/.test(e.detail ?? ''));
    expect(refused).toMatchObject({ eventType: '110122', outcome: 4 });
    // The same user with a fresh token signs in: the refusal was the token's, not the user's.
    const page = await signInAs('dave');
    await page.locator('#account-name').filter({ hasText: 'dave (viewer)' }).waitFor();
    await page.context().close();
  });

  it('refuses a callback whose state this node did not start (login CSRF), without asking the provider', async () => {
    const res = await fetch(`${node.base}/api/login/oidc/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie') ?? '').not.toMatch(/unimie_session=[^;]/);
    expect(await res.text()).toMatch(/no sign-in under way/);
  });
});
