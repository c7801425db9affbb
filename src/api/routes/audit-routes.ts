import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AUDIT_EVENT_IDS, type AuditEventId } from '../../audit/audit-codes.js';
import { queryAudit } from '../../audit/audit-log.js';
import type { ApiDeps } from '../api-deps.js';
import { errorResponses, Millis } from '../schemas.js';

const AuditQuery = Type.Object({
  user: Type.Optional(Type.String({ description: 'actor: user name or AE title' })),
  study: Type.Optional(Type.String({ description: 'Study Instance UID' })),
  event: Type.Optional(Type.Union(Object.keys(AUDIT_EVENT_IDS).map((k) => Type.Literal(k)), { description: 'DCM EventID code' })),
  since: Type.Optional(Millis),
  until: Type.Optional(Millis),
  failures: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});

const AuditEventView = Type.Object({
  id: Type.Integer(),
  at: Millis,
  eventId: Type.String(),
  event: Type.String({ description: 'the EventID code meaning' }),
  eventType: Type.Optional(Type.String()),
  action: Type.String(),
  outcome: Type.Integer(),
  actor: Type.Object({ name: Type.String(), kind: Type.String(), host: Type.Optional(Type.String()) }),
  route: Type.Optional(Type.String()),
  studyUid: Type.Optional(Type.String()),
  objects: Type.Array(Type.Object({ kind: Type.String(), id: Type.String() })),
  detail: Type.Optional(Type.String()),
});

/** The audit trail: who did what to which study, when (admin; reading it is itself audited). */
export function auditRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Static<typeof AuditQuery> }>(
      '/api/audit',
      {
        schema: {
          summary: 'Audit events, newest first (who accessed which study, refusals, operator actions, configuration changes)',
          tags: ['access'],
          querystring: AuditQuery,
          response: { 200: Type.Array(AuditEventView), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const q = request.query;
        return queryAudit(deps.db, {
          ...(q.user !== undefined ? { actor: q.user } : {}),
          ...(q.study !== undefined ? { studyUid: q.study } : {}),
          ...(q.event !== undefined ? { eventId: q.event as AuditEventId } : {}),
          ...(q.since !== undefined ? { since: q.since } : {}),
          ...(q.until !== undefined ? { until: q.until } : {}),
          ...(q.failures ? { failures: true } : {}),
          limit: q.limit ?? 1000,
        }).map((e) => ({ ...e, event: AUDIT_EVENT_IDS[e.eventId] }));
      },
    );
  };
}
