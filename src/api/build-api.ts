import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import { isNodeError } from '../shared/errors.js';
import type { ApiDeps } from './api-deps.js';
import { roleAllows } from '../access/roles.js';
import { AUTH_CHALLENGES } from './auth.js';
import { ForbiddenError, UnauthorizedError } from './api-errors.js';
import { requestAccount } from './request-account.js';
import { cookieValue, sessionCookieName } from './session-cookie.js';
import { CSRF_HEADER, csrfRefused, fromPageScript } from './csrf.js';
import { auditCsrfRefusal } from './csrf-audit.js';
import { loginRoutes } from './routes/login-routes.js';
import { oidcRoutes } from './routes/oidc-routes.js';
import { ROUTE_ACCESS, routeKey } from './route-access.js';
import { buildOpenApiDocument, collectRoutes } from './openapi.js';
import { AnyObject, ErrorBody } from './schemas.js';
import { healthRoutes } from './routes/health-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import { studyRoutes } from './routes/study-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { deliveryRoutes } from './routes/delivery-routes.js';
import { provenanceRoutes } from './routes/provenance-routes.js';
import { configRoutes } from './routes/config-routes.js';
import { destinationRoutes } from './routes/destination-routes.js';
import { imageRoutes } from './routes/image-routes.js';
import { retentionRoutes } from './routes/retention-routes.js';
import { stowRoutes } from './routes/stow-routes.js';
import { accountRoutes } from './routes/account-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { recordAudit } from '../audit/audit-log.js';
import { studyOf } from '../audit/study-of.js';
import { requestAuditEvent } from './request-audit.js';
import { registerSecurityHeaders } from './security-headers.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { eventRoutes } from './dashboard/event-routes.js';

/**
 * Builds the node's HTTP API (not listening: `startApi` listens, tests use `inject()`): REST over
 * the provenance database and the node's commands, Prometheus /metrics, /healthz and /readyz,
 * and /openapi.json generated from the route schemas. With `api.token` configured every route
 * except /healthz needs `Authorization: Bearer <token>` (or basic auth with the token as
 * password); the token is read per request, so a config reload changes it.
 */
export function buildApi(deps: ApiDeps, opts: { tls?: ApiTls } = {}): FastifyInstance {
  const log = deps.log.child({ stage: 'api' });
  const app = Fastify({
    ...(opts.tls ? { https: secureContextOptions(opts.tls) } : {}),
    loggerInstance: log,
    // Request lines are written by the onResponse hook below, at debug, without headers.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
    // Node ≥ 20 closes idle keep-alive sockets on close(); tests and SIGTERM should not wait.
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  const routes = collectRoutes(app);
  registerSecurityHeaders(app, { https: !!opts.tls });

  app.addContentTypeParser(['application/dicom', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && !(routeKey(method, route.url) in ROUTE_ACCESS)) {
        throw new Error(`route ${routeKey(method, route.url)} has no entry in ROUTE_ACCESS (src/api/route-access.ts)`);
      }
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    // Unknown paths fall through to the 404 handler only for callers who could see some route.
    const access = url === undefined ? 'viewer' : ROUTE_ACCESS[routeKey(request.method === 'HEAD' ? 'GET' : request.method, url)] ?? 'admin';
    if (access === 'public' || access === 'own') return;
    const account = await requestAccount(
      { authorization: request.headers.authorization, sessionId: cookieValue(request.headers.cookie, sessionCookieName(!!opts.tls)), client: request.ip },
      deps.config().api,
      deps.db,
      Date.now(),
    );
    const route = url ?? 'unknown';
    if (!account) {
      request.log.warn({ method: request.method, route, ip: request.ip }, 'API request refused: bad or missing credentials');
      const err = new UnauthorizedError(request.headers.authorization ? 'invalid credentials' : 'authentication required');
      // No Basic challenge to a page's fetch(): the browser would put its own prompt over the dashboard's sign-in.
      const challenges = fromPageScript(request.headers['sec-fetch-mode']) ? AUTH_CHALLENGES.filter((c) => !c.startsWith('Basic')) : AUTH_CHALLENGES;
      return reply.code(401).header('www-authenticate', challenges).send({ code: err.code, message: err.message });
    }
    request.account = account;
    if (!roleAllows(account.role, access)) {
      request.log.warn({ method: request.method, route, user: account.user, role: account.role, needs: access }, 'API request refused: role');
      const err = new ForbiddenError(`${access} role required (${account.user} is ${account.role})`);
      return reply.code(403).send({ code: err.code, message: err.message });
    }
    if (csrfRefused(request.method, request.headers[CSRF_HEADER], account.session)) {
      request.log.warn({ method: request.method, route, user: account.user }, 'API request refused: no CSRF token');
      auditCsrfRefusal(deps.db, request, route, account.user);
      return reply.code(403).send({ code: 'PACS_E_CSRF', message: `a request signed in by the session cookie must send its CSRF token in ${CSRF_HEADER}` });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const event = requestAuditEvent(
      {
        method: request.method,
        route: request.routeOptions.url,
        params: (request.params ?? {}) as Record<string, string>,
        query: (request.query ?? {}) as Record<string, unknown>,
        status: reply.statusCode,
        account: request.account,
        ip: request.ip,
      },
      Date.now(),
    );
    if (event && !request.auditRecorded) {
      try {
        const studyUid = event.objects[0] && studyOf(deps.db, event.objects[0]);
        recordAudit(deps.db, studyUid ? { ...event, studyUid } : event);
      } catch (err) {
        request.log.error({ route: event.route, eventId: event.eventId, err: err instanceof Error ? err.message : String(err) }, 'audit event not recorded');
      }
    }
    request.log.debug(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'API request',
    );
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isNodeError(err)) {
      if (err.httpStatus >= 500) {
        request.log.error({ route: request.routeOptions.url, code: err.code, err: err.message }, 'API request failed');
        deps.metrics?.error(err.code);
      }
      return reply.code(err.httpStatus).send({ code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    if (err.validation) return reply.code(400).send({ code: 'PACS_E_BAD_REQUEST', message: err.message });
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const code = status === 413 ? 'PACS_E_TOO_LARGE' : status === 415 ? 'PACS_E_UNSUPPORTED_MEDIA_TYPE' : 'PACS_E_BAD_REQUEST';
      return reply.code(status).send({ code, message: err.message });
    }
    request.log.error({ route: request.routeOptions.url, err: err.message }, 'API request failed');
    deps.metrics?.error('PACS_E_INTERNAL');
    return reply.code(500).send({ code: 'PACS_E_INTERNAL', message: 'internal error; see the node log' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'PACS_E_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.get(
    '/openapi.json',
    { schema: { summary: 'This API as an OpenAPI 3.1 document', tags: ['meta'], response: { 200: AnyObject } } },
    async () =>
      buildOpenApiDocument(routes, {
        title: 'UniMIE PACS node API',
        version: deps.version ?? '0.1.0',
        description: 'Status, provenance, jobs, deliveries, configuration and health of the node.',
      }, ErrorBody, (method, url) => {
        const access = ROUTE_ACCESS[routeKey(method, url)];
        return access === 'public' || access === 'own' ? undefined : access;
      }),
  );

  app.register(healthRoutes(deps));
  app.register(statusRoutes(deps));
  app.register(studyRoutes(deps));
  app.register(jobRoutes(deps));
  app.register(deliveryRoutes(deps));
  app.register(provenanceRoutes(deps));
  app.register(configRoutes(deps));
  app.register(destinationRoutes(deps));
  app.register(imageRoutes(deps));
  app.register(retentionRoutes(deps));
  app.register(stowRoutes(deps));
  app.register(accountRoutes(deps));
  app.register(loginRoutes(deps, { https: !!opts.tls }));
  app.register(oidcRoutes(deps, { https: !!opts.tls }));
  app.register(auditRoutes(deps));
  app.register(eventRoutes(deps));
  app.register(dashboardRoutes());
  return app;
}

/** The API's certificate and key (PEM), and the CA that issued it (api.tls in node.yaml). */
export interface ApiTls {
  cert: string;
  key: string;
  ca?: string;
}

function secureContextOptions(tls: ApiTls): { cert: string; key: string; ca?: string } {
  return { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) };
}

/** A listening API. */
export interface RunningApi {
  /** The port actually bound (0 in the settings picks a free one). */
  port: number;
  scheme: 'http' | 'https';
  app: FastifyInstance;
  /**
   * Serves a renewed certificate from the next connection on (SIGHUP); false when the API was
   * started without TLS (switching to HTTPS takes a restart).
   */
  setTls(tls: ApiTls): boolean;
  close(): Promise<void>;
}

/** Builds the API and listens on host:port (api.host / api.port from node.yaml), over HTTPS when `tls` is given. */
export async function startApi(deps: ApiDeps, at: { host: string; port: number; tls?: ApiTls }): Promise<RunningApi> {
  const app = buildApi(deps, { tls: at.tls });
  await app.listen({ host: at.host, port: at.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  const api = deps.config().api;
  const auth = api.auth ? 'users' : api.token ? 'shared-token' : 'none';
  const scheme = at.tls ? 'https' : 'http';
  deps.log.info({ stage: 'api', host: at.host, port, auth, scheme }, `${scheme.toUpperCase()} API listening`);
  if (auth === 'none' && !isLoopback(at.host)) {
    deps.log.warn({ stage: 'api', host: at.host }, 'HTTP API reachable from other hosts without credentials: set api.auth (named users) in node.yaml');
  }
  return {
    port,
    scheme,
    app,
    setTls: (tls) => {
      if (!at.tls) return false;
      (app.server as unknown as TlsServer).setSecureContext(secureContextOptions(tls));
      return true;
    },
    close: () => app.close(),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
