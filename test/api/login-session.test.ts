import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/access/accounts.js';
import { buildApi } from '../../src/api/build-api.js';
import { queryAudit } from '../../src/audit/audit-log.js';
import { freePort } from '../helpers/ports.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { createApiFixture, type ApiFixture } from './api-fixture.js';

const PASSWORD = 'operator password 1';

/** The session cookie of a response, as a Cookie header value. */
function sessionCookie(setCookie: string | string[] | undefined): string {
  const line = [setCookie ?? []].flat().find((c) => c.startsWith('unimie_session='));
  if (!line) throw new Error(`no session cookie in ${String(setCookie)}`);
  return line.split(';')[0]!;
}

describe('dashboard sessions: password sign-in, CSRF, sign-out, rate limit (api.auth)', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let opToken: string;

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    const file = join(fx.dir, 'node.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('auth: {}', 'auth: { loginLimit: { maxFailures: 3, maxFailuresPerAddress: 5, windowMinutes: 10 } }'));
    expect(fx.watcher.reload('manual').ok).toBe(true);
    await addUser(fx.db, { name: 'op', role: 'operator', password: PASSWORD }, Date.now());
    await addUser(fx.db, { name: 'locked', role: 'viewer', password: PASSWORD }, Date.now());
    opToken = createApiToken(fx.db, { user: 'op', label: 'script' }, Date.now()).token;
    app = buildApi(fx.deps);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  it('signs in with a password: an HttpOnly SameSite=Strict cookie (no Secure over plain http) and a CSRF token', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { user: 'op', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const body = login.json() as { user: string; role: string; csrfToken: string };
    expect(body).toMatchObject({ user: 'op', role: 'operator' });
    const set = String(login.headers['set-cookie']);
    expect(set).toMatch(/^unimie_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const cookie = sessionCookie(login.headers['set-cookie']);

    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.json()).toEqual({ user: 'op', role: 'operator', csrfToken: body.csrfToken });

    // A state-changing request by cookie needs the token; with it, the route itself answers (no such job).
    const noCsrf = await app.inject({ method: 'POST', url: '/api/jobs/424242/cancel', headers: { cookie } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ code: 'PACS_E_CSRF' });
    // One character changed (never to the one already there: 1 token in 64 starts with any given one).
    const wrongToken = (body.csrfToken.startsWith('x') ? 'y' : 'x') + body.csrfToken.slice(1);
    const wrongCsrf = await app.inject({ method: 'POST', url: '/api/jobs/424242/cancel', headers: { cookie, 'x-csrf-token': wrongToken } });
    expect(wrongCsrf.statusCode).toBe(403);
    const withCsrf = await app.inject({ method: 'POST', url: '/api/jobs/424242/cancel', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(withCsrf.statusCode).toBe(404);
    // A bearer token is not an ambient credential: no CSRF token needed.
    const script = await app.inject({ method: 'POST', url: '/api/jobs/424242/cancel', headers: { authorization: `Bearer ${opToken}` } });
    expect(script.statusCode).toBe(404);

    const csrfAlerts = queryAudit(fx.db, { actor: 'op', eventId: '110113' }).filter((e) => /CSRF/.test(e.detail ?? ''));
    expect(csrfAlerts).toHaveLength(2);

    // Sign-out needs the token too, deletes the session and the cookie.
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } })).statusCode).toBe(403);
    const logout = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(logout.json()).toEqual({ ended: true });
    expect(String(logout.headers['set-cookie'])).toMatch(/^unimie_session=; .*Max-Age=0/);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401);

    const logins = queryAudit(fx.db, { actor: 'op', eventId: '110114' });
    expect(logins.map((e) => [e.eventType, e.outcome, e.route])).toEqual([
      ['110123', 0, 'POST /api/logout'],
      ['110122', 0, 'POST /api/login'],
    ]);
  });

  it('signs in from a plain HTML form and sends the browser to the dashboard', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ user: 'op', password: PASSWORD }).toString(),
    });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/dashboard');
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: sessionCookie(r.headers['set-cookie']) } })).json()).toMatchObject({ user: 'op' });
  });

  it('locks a user name out after maxFailures, a right password included, and audits each attempt', async () => {
    const attempt = (password: string, ip = '10.1.1.1', user = 'locked') => app.inject({ method: 'POST', url: '/api/login', remoteAddress: ip, payload: { user, password } });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password')).statusCode).toBe(401);
    const refused = await attempt(PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(590);
    expect(refused.headers['set-cookie']).toBeUndefined();
    // Another address does not help: the lockout is on the user name.
    expect((await attempt(PASSWORD, '10.1.1.2')).statusCode).toBe(429);
    const audit = queryAudit(fx.db, { actor: 'locked', eventId: '110114' });
    expect(audit).toHaveLength(5);
    expect(audit.every((e) => e.outcome === 4 && e.eventType === '110122')).toBe(true);
    expect(audit[0]!.detail).toMatch(/too many failed sign-ins/);
  });

  it('locks a client address out after maxFailuresPerAddress, whatever the user names', async () => {
    const ip = '10.2.2.2';
    for (const user of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      expect((await app.inject({ method: 'POST', url: '/api/login', remoteAddress: ip, payload: { user, password: 'guess guess guess' } })).statusCode).toBe(401);
    }
    expect((await app.inject({ method: 'POST', url: '/api/login', remoteAddress: ip, payload: { user: 'op', password: PASSWORD } })).statusCode).toBe(429);
    expect((await app.inject({ method: 'POST', url: '/api/login', remoteAddress: '10.2.2.3', payload: { user: 'op', password: PASSWORD } })).statusCode).toBe(200);
  });

  it('offers password sign-in, and no Basic challenge to a page script', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/login/options' })).json()).toEqual({ password: true });
    const page = await app.inject({ method: 'GET', url: '/api/status', headers: { 'sec-fetch-mode': 'cors' } });
    expect(page.statusCode).toBe(401);
    expect(String(page.headers['www-authenticate'])).not.toMatch(/Basic/);
    expect(String((await app.inject({ method: 'GET', url: '/api/status' })).headers['www-authenticate'])).toMatch(/Basic/);
  });
});

describe('without api.auth', () => {
  it('has no password sign-in', async () => {
    const fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort() });
    const app = buildApi(fx.deps);
    try {
      expect((await app.inject({ method: 'GET', url: '/api/login/options' })).json()).toEqual({ password: false });
      expect((await app.inject({ method: 'POST', url: '/api/login', payload: { user: 'op', password: PASSWORD } })).statusCode).toBe(404);
    } finally {
      await app.close();
      fx.cleanup();
    }
  });
});

describe('over HTTPS (api.tls)', () => {
  it('names the cookie __Host-unimie_session with Secure, and does not take the plain-http name', async () => {
    const fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    await makeCertificates(fx.dir);
    await addUser(fx.db, { name: 'op', role: 'operator', password: PASSWORD }, Date.now());
    const app = buildApi(fx.deps, { tls: { cert: readFileSync(join(fx.dir, 'ca-server.crt'), 'utf8'), key: readFileSync(join(fx.dir, 'ca-server.key'), 'utf8') } });
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { user: 'op', password: PASSWORD } });
      const set = String(login.headers['set-cookie']);
      expect(set).toMatch(/^__Host-unimie_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
      const id = set.split(';')[0]!.split('=')[1]!;
      expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `__Host-unimie_session=${id}` } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `unimie_session=${id}` } })).statusCode).toBe(401);
    } finally {
      await app.close();
      fx.cleanup();
    }
  });
});

describe('single sign-on with the provider down', () => {
  it('offers the SSO link, and answers 502 with a page when the provider cannot be reached', async () => {
    const fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    const file = join(fx.dir, 'node.yaml');
    const issuer = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(file, readFileSync(file, 'utf8').replace('auth: {}', `auth: { oidc: { issuer: "${issuer}", clientId: node, clientSecret: s, roleClaim: groups, roleMap: { pacs: viewer } } }`));
    expect(fx.watcher.reload('manual').ok).toBe(true);
    const app = buildApi(fx.deps);
    try {
      expect((await app.inject({ method: 'GET', url: '/api/login/options' })).json()).toEqual({ password: true, oidc: { label: 'Sign in with SSO', url: '/api/login/oidc' } });
      const r = await app.inject({ method: 'GET', url: '/api/login/oidc' });
      expect(r.statusCode).toBe(502);
      expect(r.headers['content-type']).toContain('text/html');
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.body).toContain('Single sign-on unavailable');
    } finally {
      await app.close();
      fx.cleanup();
    }
  });
});
