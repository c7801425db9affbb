import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { accountByPassword } from '../../access/accounts.js';
import { clearLoginFailures, loginLimit, loginLockout, recordLoginFailure } from '../../access/login-throttle.js';
import { ROLES } from '../../access/roles.js';
import { endSession } from '../../access/sessions.js';
import { findUser } from '../../access/user-store.js';
import type { ApiDeps } from '../api-deps.js';
import type { RequestAccount } from '../request-account.js';
import { errorResponses, Millis } from '../schemas.js';
import { sessionSetCookie } from '../session-cookie.js';
import { auditLogin, signIn } from '../sign-in.js';

const Credentials = Type.Object({
  user: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

const SignedIn = Type.Object({
  user: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  csrfToken: Type.String({ description: 'send it as x-csrf-token with every POST, PUT or DELETE of this session' }),
  expiresAt: Millis,
});

const LoginOptions = Type.Object({
  password: Type.Boolean({ description: 'named users can sign in with a password (api.auth)' }),
  oidc: Type.Optional(Type.Object({ label: Type.String(), url: Type.String() })),
});

/**
 * Dashboard sign-in with a user name and password (JSON, or a form post that is then sent on to
 * the dashboard), rate-limited per user name and client address; sign-out; and which sign-ins the
 * node offers. Every attempt is audited.
 */
export function loginRoutes(deps: ApiDeps, opts: { https: boolean }): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    app.get(
      '/api/login/options',
      { schema: { summary: 'Which sign-ins the dashboard offers', tags: ['access'], response: { 200: LoginOptions } } },
      async () => {
        const auth = deps.config().api.auth;
        return { password: !!auth, ...(auth?.oidc ? { oidc: { label: auth.oidc.label, url: '/api/login/oidc' } } : {}) };
      },
    );

    app.post<{ Body: Static<typeof Credentials> }>(
      '/api/login',
      {
        schema: {
          summary: 'Sign in with user name and password: sets the session cookie',
          tags: ['access'],
          body: Credentials,
          response: { 200: SignedIn, ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const auth = deps.config().api.auth;
        if (!auth) return reply.code(404).send({ code: 'PACS_E_NOT_FOUND', message: 'sign-in needs named users (api.auth in node.yaml)' });
        const now = Date.now();
        const { user, password } = request.body;
        const route = 'POST /api/login';
        const lockout = loginLockout(deps.db, user, request.ip, loginLimit(auth.loginLimit), now);
        if (lockout) {
          auditLogin(deps.db, request, { kind: 'login', user, ok: false, route, detail: `password: refused, too many failed sign-ins for this ${lockout.by}` }, now);
          return reply
            .code(429)
            .header('retry-after', String(Math.ceil(lockout.retryAfterMs / 1000)))
            .send({ code: 'PACS_E_TOO_MANY_REQUESTS', message: 'too many failed sign-ins: try again later' });
        }
        const account = await accountByPassword(deps.db, user, password);
        if (!account) {
          recordLoginFailure(deps.db, user, request.ip, now);
          auditLogin(deps.db, request, { kind: 'login', user, ok: false, route, detail: 'password: wrong user name or password' }, now);
          return reply.code(401).send({ code: 'PACS_E_UNAUTHORIZED', message: 'wrong user name or password' });
        }
        clearLoginFailures(deps.db, user);
        const row = findUser(deps.db, account.user)!;
        const started = signIn(deps.db, reply, { https: opts.https, session: auth.session }, { userId: row.id, userName: account.user, role: account.role, via: 'password', client: request.ip }, now);
        auditLogin(deps.db, request, { kind: 'login', user: account.user, ok: true, route, detail: 'password' }, now);
        if (request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return reply.redirect('/dashboard', 303);
        return { user: account.user, role: account.role, csrfToken: started.csrfToken, expiresAt: now + auth.session.absoluteHours * 3_600_000 };
      },
    );

    app.post(
      '/api/logout',
      {
        schema: {
          summary: 'Sign out: ends the session of the cookie and deletes the cookie',
          tags: ['access'],
          response: { 200: Type.Object({ ended: Type.Boolean() }), ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        const account = request.account as RequestAccount;
        reply.header('set-cookie', sessionSetCookie(opts.https, null));
        if (!account.session) return { ended: false };
        const ended = endSession(deps.db, account.session.idSha256);
        auditLogin(deps.db, request, { kind: 'logout', user: account.user, ok: true, route: 'POST /api/logout', detail: account.session.via }, Date.now());
        return { ended };
      },
    );
  };
}
