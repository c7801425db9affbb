import type { Role } from '../access/roles.js';

/**
 * Who may call a route: anyone; a role (and every role above it); or `own`: the route
 * authenticates its callers itself (the STOW-RS input checks its configured senders).
 */
export type RouteAccess = 'public' | 'own' | Role;

/**
 * Every route of the API and the least role it needs, in one table (`METHOD path`, fastify's
 * path form). A route that is not listed is refused at start-up, so a new route cannot ship
 * without a decision here. Public routes carry no patient data.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': 'public',
  'GET /': 'public',
  'GET /dashboard': 'public',
  'GET /dashboard/assets/:file': 'public',
  'GET /api/login/options': 'public',
  'POST /api/login': 'public',
  'GET /api/login/oidc': 'public',
  'GET /api/login/oidc/callback': 'public',

  'GET /readyz': 'viewer',
  'GET /metrics': 'viewer',
  'GET /openapi.json': 'viewer',
  'GET /api/me': 'viewer',
  'POST /api/logout': 'viewer',
  'GET /api/status': 'viewer',
  'GET /api/models': 'viewer',
  'GET /api/studies': 'viewer',
  'GET /api/studies/:uid': 'viewer',
  'GET /api/series/:uid': 'viewer',
  'GET /api/instances/:uid': 'viewer',
  'GET /api/instances/:uid/render.png': 'viewer',
  'GET /api/derived/:uid.png': 'viewer',
  'GET /api/lineage/:uid': 'viewer',
  'GET /api/jobs': 'viewer',
  'GET /api/jobs/:id': 'viewer',
  'GET /api/deliveries': 'viewer',
  'GET /api/deliveries/:id': 'viewer',
  'GET /api/associations': 'viewer',
  'GET /api/quarantine': 'viewer',
  'GET /api/destinations': 'viewer',
  'GET /api/retention': 'viewer',
  'GET /api/events': 'viewer',

  'POST /api/jobs/:id/cancel': 'operator',
  'POST /api/jobs/:id/retry': 'operator',
  'POST /api/deliveries/:id/requeue': 'operator',
  'POST /api/deliveries/:id/discard': 'operator',
  'POST /api/destinations/:name/echo': 'operator',
  'POST /api/rules/dry-run': 'operator',

  'GET /api/config': 'admin',
  'POST /api/config/validate': 'admin',
  'POST /api/config/reload': 'admin',
  'GET /api/users': 'admin',
  'GET /api/audit': 'admin',

  'POST /dicom-web/studies': 'own',
  'POST /dicom-web/studies/:study': 'own',
};

export function routeKey(method: string, url: string): string {
  return `${method} ${url}`;
}
