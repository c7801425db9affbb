import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/access/accounts.js';
import { queryAudit } from '../../src/audit/audit-log.js';
import { launchChromium, startSignInApi, type SignInApi } from './signin-api.js';

const PASSWORD = 'operator password 77';

/**
 * Password sign-in on the dashboard in Debian's chromium against the API on loopback: the sign-in
 * dialog, the session cookie's attributes, CSRF refusal of a bare POST, sign-out, and the idle
 * timeout (shortened by a config reload).
 */
describe('dashboard password sign-in in chromium', () => {
  let node: SignInApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    node = await startSignInApi('{ session: { idleMinutes: 30, absoluteHours: 12 } }');
    await addUser(node.fx.db, { name: 'op', role: 'operator', password: PASSWORD }, Date.now());
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (e) => void pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  const signIn = async (password: string) => {
    await page.locator('#signin-dialog').waitFor({ state: 'visible' });
    await page.fill('#signin-user', 'op');
    await page.fill('#signin-password', password);
    await page.click('#signin-submit');
  };

  it('asks to sign in, refuses a wrong password, signs in and shows the user and role', async () => {
    await page.goto(`${node.base}/dashboard`);
    expect(await page.locator('#sso').isVisible()).toBe(false);
    await signIn('not the password');
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    expect(await page.textContent('#signin-error')).toMatch(/wrong user name or password/);
    await signIn(PASSWORD);
    await page.locator('#signin-dialog').waitFor({ state: 'hidden' });
    await page.locator('#account-name').filter({ hasText: 'op (operator)' }).waitFor();

    const cookie = (await context.cookies()).find((c) => c.name === 'unimie_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect(await page.evaluate('document.cookie')).not.toContain('unimie_session');
    expect(pageErrors).toEqual([]);
  });

  it('refuses a POST by the session cookie without the CSRF token, and takes it with the token', async () => {
    const statuses = await page.evaluate(async () => {
      const bare = await fetch('/api/jobs/4242/cancel', { method: 'POST' });
      const me = (await (await fetch('/api/me')).json()) as { csrfToken: string };
      const withToken = await fetch('/api/jobs/4242/cancel', { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
      return { bare: bare.status, bareCode: ((await bare.json()) as { code: string }).code, withToken: withToken.status };
    });
    expect(statuses).toEqual({ bare: 403, bareCode: 'PACS_E_CSRF', withToken: 404 });
  });

  it('signs out: the session ends on the node and the page asks to sign in again', async () => {
    const old = (await context.cookies()).find((c) => c.name === 'unimie_session')!.value;
    await page.click('#sign-out');
    await page.locator('#signin-dialog').waitFor({ state: 'visible' });
    expect((await context.cookies()).find((c) => c.name === 'unimie_session')).toBeUndefined();
    expect((await fetch(`${node.base}/api/me`, { headers: { cookie: `unimie_session=${old}` } })).status).toBe(401);
    const events = queryAudit(node.fx.db, { actor: 'op', eventId: '110114' }).map((e) => `${e.eventType}:${e.outcome}`);
    expect(events).toEqual(['110123:0', '110122:0', '110122:4']);
  });

  it('ends a session after the idle timeout: the page asks to sign in again', async () => {
    node.setAuth('{ session: { idleMinutes: 0.05, absoluteHours: 12 } }');
    await signIn(PASSWORD);
    await page.locator('#signin-dialog').waitFor({ state: 'hidden' });
    await page.locator('#account-name').filter({ hasText: 'op (operator)' }).waitFor();
    const signedInAt = Date.now();
    // Nothing from the page counts as activity meanwhile: the event stream is one long request, and
    // it ends with the session, so the page reconnects, gets 401 and asks to sign in by itself.
    await page.locator('#signin-dialog').waitFor({ state: 'visible', timeout: 15_000 });
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual(3000);
    expect(await page.textContent('#signin-note')).toMatch(/session ended/);
    await signIn(PASSWORD);
    await page.locator('#signin-dialog').waitFor({ state: 'hidden' });
    expect(pageErrors).toEqual([]);
  });
});
