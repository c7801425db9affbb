import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { roleFromClaim } from '../../access/claim-role.js';
import type { ApiDeps } from '../api-deps.js';
import { OidcFlow, refusalReason } from '../oidc/oidc-flow.js';
import { errorResponses } from '../schemas.js';
import { cookieValue } from '../session-cookie.js';
import { auditLogin, signIn } from '../sign-in.js';

const CALLBACK = '/api/login/oidc/callback';
const ROUTE = 'GET /api/login/oidc/callback';

/**
 * The cookie that binds a sign-in under way to the browser that started it. SameSite=Lax, not
 * Strict: it must come along on the provider's top-level redirect back to the callback.
 */
function stateCookie(https: boolean, state: string | null): string {
  const name = https ? '__Host-unimie_oidc' : 'unimie_oidc';
  return [`${name}=${state ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${state === null ? 0 : 600}`, ...(https ? ['Secure'] : [])].join('; ');
}

function stateCookieName(https: boolean): string {
  return https ? '__Host-unimie_oidc' : 'unimie_oidc';
}

/** A short HTML page for the browser (no script or style: the CSP allows none inline). */
function page(reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(text)}</p><p><a href="/dashboard">Back to the dashboard</a></p></body></html>`);
}

/**
 * Single sign-on with OpenID Connect: GET /api/login/oidc sends the browser to the provider;
 * the provider sends it back to the callback, which validates the ID token, maps the role claim
 * and starts a session (then on to the dashboard). A user with no mapped role, or a token that
 * fails validation, gets a page saying so and no session; each outcome is audited.
 */
export function oidcRoutes(deps: ApiDeps, opts: { https: boolean }): FastifyPluginAsync {
  const flow = new OidcFlow();
  return async (app) => {
    app.get(
      '/api/login/oidc',
      { schema: { summary: 'Single sign-on: redirects to the OpenID provider', tags: ['access'], response: { ...errorResponses(404, 502) } } },
      async (request, reply) => {
        const oidc = deps.config().api.auth?.oidc;
        if (!oidc) return reply.code(404).send({ code: 'PACS_E_NOT_FOUND', message: 'single sign-on is not configured (api.auth.oidc)' });
        const redirectUri = oidc.redirectUri ?? `${opts.https ? 'https' : 'http'}://${request.headers.host ?? request.hostname}${CALLBACK}`;
        try {
          const { url, state } = await flow.begin(oidc, redirectUri, Date.now());
          return reply.header('set-cookie', stateCookie(opts.https, state)).redirect(url.href, 303);
        } catch (err) {
          request.log.error({ issuer: oidc.issuer, err: err instanceof Error ? err.message : String(err) }, 'OpenID provider unreachable');
          return page(reply, 502, 'Single sign-on unavailable', 'The identity provider could not be reached. Try again later or sign in with a password.');
        }
      },
    );

    app.get(
      CALLBACK,
      { schema: { summary: 'Single sign-on: where the OpenID provider returns the browser', tags: ['access'], querystring: Type.Record(Type.String(), Type.String()) } },
      async (request, reply) => {
        const auth = deps.config().api.auth;
        const oidc = auth?.oidc;
        if (!auth || !oidc) return reply.code(404).send({ code: 'PACS_E_NOT_FOUND', message: 'single sign-on is not configured (api.auth.oidc)' });
        reply.header('set-cookie', stateCookie(opts.https, null));
        const now = Date.now();
        const query = new URLSearchParams(request.query as Record<string, string>);
        let claims;
        try {
          claims = await flow.finish(oidc, query, cookieValue(request.headers.cookie, stateCookieName(opts.https)), now);
        } catch (err) {
          const why = refusalReason(err);
          request.log.warn({ route: ROUTE, err: why }, 'single sign-on refused');
          auditLogin(deps.db, request, { kind: 'login', user: '-', ok: false, route: ROUTE, detail: `oidc: ${why}` }, now);
          return page(reply, 401, 'Sign-in refused', `The sign-in could not be verified: ${why}`);
        }
        const nameClaim = claims[oidc.userClaim];
        const user = typeof nameClaim === 'string' && nameClaim !== '' ? nameClaim : claims.sub;
        const role = roleFromClaim(claims[oidc.roleClaim], oidc.roleMap);
        if (!role) {
          auditLogin(deps.db, request, { kind: 'login', user, ok: false, route: ROUTE, detail: `oidc: no role for the ${oidc.roleClaim} claim` }, now);
          return page(reply, 403, 'No access', `${user} has no role on this node (${oidc.roleClaim} maps to none). Ask an administrator.`);
        }
        signIn(deps.db, reply, { https: opts.https, session: auth.session }, { userId: null, userName: user, role, via: 'oidc', client: request.ip }, now);
        auditLogin(deps.db, request, { kind: 'login', user, ok: true, route: ROUTE, detail: `oidc: ${oidc.issuer}` }, now);
        return reply.redirect('/dashboard', 303);
      },
    );
  };
}
