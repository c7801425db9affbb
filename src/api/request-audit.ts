import type { Account } from '../access/accounts.js';
import { outcomeOfHttpStatus } from '../audit/audit-codes.js';
import type { AuditEvent } from '../audit/audit-event.js';
import { ROUTE_AUDIT } from './route-audit.js';
import { routeKey } from './route-access.js';

/** A finished API request, as the audit trail needs it. */
export interface FinishedRequest {
  method: string;
  /** The route pattern (`/api/studies/:uid`); undefined when no route matched. */
  route: string | undefined;
  params: Record<string, string>;
  query: Record<string, unknown>;
  status: number;
  account: Account | undefined;
  ip: string;
}

/**
 * The audit event of a request, or undefined when it is not audited: refusals (401 as a failed
 * User Authentication, 403 as a Security Alert on a restricted function) on any route, and
 * every request to a route listed in ROUTE_AUDIT, with the outcome its HTTP status stands for.
 */
export function requestAuditEvent(r: FinishedRequest, at: number): AuditEvent | undefined {
  const key = routeKey(r.method, r.route ?? r.method);
  const route = r.route === undefined ? undefined : key;
  if (r.status === 401) {
    return {
      at,
      eventId: '110114',
      eventType: '110122',
      action: 'E',
      outcome: 4,
      actor: { name: '-', kind: 'unauthenticated', host: r.ip },
      ...(route ? { route } : {}),
      objects: [],
      detail: 'bad or missing credentials',
    };
  }
  const actor = r.account ? { name: r.account.user, kind: 'user' as const, host: r.ip } : { name: '-', kind: 'unauthenticated' as const, host: r.ip };
  if (r.status === 403) {
    return { at, eventId: '110113', eventType: '110132', action: 'E', outcome: 4, actor, ...(route ? { route } : {}), objects: [], detail: 'role does not include this route' };
  }
  const spec = r.route === undefined ? undefined : ROUTE_AUDIT[key];
  if (!spec) return undefined;
  return {
    at,
    eventId: spec.eventId,
    ...(spec.eventType ? { eventType: spec.eventType } : {}),
    action: spec.action,
    outcome: outcomeOfHttpStatus(r.status),
    actor,
    route: key,
    objects: [spec.object(r.params, r.query)],
  };
}
