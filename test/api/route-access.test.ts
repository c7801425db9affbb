import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/access/accounts.js';
import { ROLES, type Role } from '../../src/access/roles.js';
import { buildApi } from '../../src/api/build-api.js';
import { ROUTE_ACCESS, routeKey } from '../../src/api/route-access.js';
import { freePort } from '../helpers/ports.js';
import { basic, createApiFixture, type ApiFixture } from './api-fixture.js';

const PASSWORD = 'a password for each role';

/** A concrete URL for a route pattern (`:uid` → a UID that does not exist). */
function concrete(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'file' ? 'app.js' : name === 'name' ? 'nowhere' : '1.2.3.999'));
}

describe('every route needs exactly the role in ROUTE_ACCESS (api.auth with named users)', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let routes: Array<{ method: string; url: string }>;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    for (const role of ROLES) {
      await addUser(fx.db, { name: `${role}-user`, role, password: PASSWORD }, Date.now());
      tokens[role] = createApiToken(fx.db, { user: `${role}-user`, label: 'route test' }, Date.now()).token;
    }
    app = buildApi(fx.deps);
    await app.ready();
    // Every route, as the OpenAPI document lists them (path parameters back in fastify's form).
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${tokens.viewer}` } })).json() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), url: path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1') })));
  });
  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  it('the table lists every registered route and nothing else', () => {
    const registered = new Set(routes.map((r) => routeKey(r.method, r.url)));
    const listed = Object.keys(ROUTE_ACCESS).filter((k) => ROUTE_ACCESS[k] !== 'own' || registered.has(k));
    expect([...registered].sort()).toEqual(listed.sort());
  });

  it("the OpenAPI document names each protected route's role; nothing that changes state is open to viewers", async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${tokens.viewer}` } })).json() as { paths: Record<string, Record<string, { 'x-required-role'?: string }>> };
    for (const r of routes) {
      const access = ROUTE_ACCESS[routeKey(r.method, r.url)]!;
      const op = doc.paths[r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]![r.method.toLowerCase()]!;
      expect(op['x-required-role'], `${r.method} ${r.url}`).toBe(access === 'public' || access === 'own' ? undefined : access);
      // Signing in and out change only the caller's own session.
      const ownSession = ['POST /api/login', 'POST /api/logout'].includes(routeKey(r.method, r.url));
      if (r.method !== 'GET' && access !== 'own' && !ownSession) expect(['operator', 'admin'], `${r.method} ${r.url}`).toContain(access);
    }
    for (const k of ['GET /api/config', 'POST /api/config/reload', 'POST /api/config/validate', 'GET /api/users']) expect(ROUTE_ACCESS[k]).toBe('admin');
  });

  it('the dashboard and API send a strict Content-Security-Policy and refuse framing and sniffing (no HSTS over plain HTTP)', async () => {
    for (const url of ['/', '/healthz', '/api/status']) {
      const h = (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.viewer}` } })).headers;
      expect(h['content-security-policy'], url).toBe(
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self' blob:;connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
      );
      expect([h['x-frame-options'], h['x-content-type-options'], h['referrer-policy']], url).toEqual(['DENY', 'nosniff', 'no-referrer']);
      expect(h['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('a route missing from the table stops the API from starting', async () => {
    const extra = buildApi(fx.deps);
    expect(() => extra.get('/api/unlisted', async () => ({}))).toThrow(/GET \/api\/unlisted has no entry in ROUTE_ACCESS/);
    await extra.close();
  });

  it('public routes answer without credentials; every other one is 401 without, 403 below its role, allowed from it', async () => {
    const rows: string[] = [];
    for (const r of routes) {
      const access = ROUTE_ACCESS[routeKey(r.method, r.url)]!;
      if (access === 'own') continue;
      const url = concrete(r.url);
      const send = (headers: Record<string, string> = {}) => app.inject({ method: r.method as 'GET' | 'POST', url, headers });
      if (access === 'public') {
        expect([401, 403], `${r.method} ${r.url}`).not.toContain((await send()).statusCode);
        continue;
      }
      expect((await send()).statusCode, `${r.method} ${r.url} without credentials`).toBe(401);
      for (const role of ROLES) {
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(access);
        // The event stream never ends; that it is refused without a role is what matters here.
        if (allowed && r.url === '/api/events') continue;
        const status = (await send({ authorization: `Bearer ${tokens[role]}` })).statusCode;
        rows.push(`${r.method} ${r.url} ${role} ${status}`);
        if (allowed) expect([401, 403], `${r.method} ${r.url} as ${role}`).not.toContain(status);
        else expect(status, `${r.method} ${r.url} as ${role}`).toBe(403);
      }
    }
    expect(rows.length).toBeGreaterThanOrEqual(3 * 30);
  });

  it('a user may also sign API calls with name and password; GET /api/me says who and which role', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/me', headers: basic('operator-user', PASSWORD) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ user: 'operator-user', role: 'operator' });
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: basic('operator-user', 'wrong password!!') })).statusCode).toBe(401);
  });

  it('GET /api/users lists users and token metadata for an admin, never a secret', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(r.statusCode).toBe(200);
    const body = r.body;
    for (const t of Object.values(tokens)) expect(body).not.toContain(t);
    expect(body).not.toContain('argon2');
    expect((r.json() as Array<{ name: string; tokens: unknown[] }>).map((u) => [u.name, u.tokens.length])).toEqual([
      ['admin-user', 1],
      ['operator-user', 1],
      ['viewer-user', 1],
    ]);
  });
});
