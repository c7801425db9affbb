import type { AuditAction, AuditEventId, AuditEventType } from '../audit/audit-codes.js';
import type { AuditObject } from '../audit/audit-event.js';

/** How a request to a route is written to the audit trail. */
export interface RouteAudit {
  eventId: AuditEventId;
  eventType?: AuditEventType;
  action: AuditAction;
  /** What the request touched, from its path parameters and query string. */
  object(params: Record<string, string>, query: Record<string, unknown>): AuditObject;
}

const byParam = (kind: AuditObject['kind'], name: string) => (params: Record<string, string>) => ({ kind, id: params[name] ?? '' });
const viewed = (kind: AuditObject['kind']): RouteAudit => ({ eventId: '110103', action: 'R', object: byParam(kind, 'uid') });
const operatorAction = (kind: AuditObject['kind']): RouteAudit => ({ eventId: '110113', eventType: '110132', action: 'E', object: byParam(kind, 'id') });

/**
 * The routes that read patient data or change what the node does, and their audit events
 * (PS3.15 A.5.3). Refused requests (401, 403) on any route are audited as well, by the API itself.
 */
export const ROUTE_AUDIT: Readonly<Record<string, RouteAudit>> = {
  'GET /api/studies': { eventId: '110112', action: 'E', object: (_p, query) => ({ kind: 'query', id: JSON.stringify(query) }) },
  'GET /api/studies/:uid': viewed('study'),
  'GET /api/series/:uid': viewed('series'),
  'GET /api/instances/:uid': viewed('instance'),
  'GET /api/instances/:uid/render.png': viewed('instance'),
  'GET /api/derived/:uid.png': viewed('instance'),
  'GET /api/lineage/:uid': viewed('instance'),
  'POST /api/jobs/:id/cancel': operatorAction('job'),
  'POST /api/jobs/:id/retry': operatorAction('job'),
  'POST /api/deliveries/:id/requeue': operatorAction('delivery'),
  'POST /api/deliveries/:id/discard': operatorAction('delivery'),
  'POST /api/config/reload': { eventId: '110113', eventType: '110131', action: 'E', object: () => ({ kind: 'configuration', id: 'node.yaml, rules.yaml' }) },
  'GET /api/audit': { eventId: '110101', action: 'R', object: (_p, query) => ({ kind: 'query', id: JSON.stringify(query) }) },
};
