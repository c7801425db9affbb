import type { FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit-log.js';
import type { Db } from '../provenance/database.js';

/** A state-changing request refused for a missing or wrong CSRF token: a Security Alert, marked so the request audit does not record it again. */
export function auditCsrfRefusal(db: Db, request: FastifyRequest, route: string, user: string): void {
  request.auditRecorded = true;
  try {
    recordAudit(db, {
      at: Date.now(),
      eventId: '110113',
      eventType: '110132',
      action: 'E',
      outcome: 4,
      actor: { name: user, kind: 'user', host: request.ip },
      route: `${request.method} ${route}`,
      objects: [],
      detail: 'session request without its CSRF token (possible cross-site request forgery)',
    });
  } catch (err) {
    request.log.error({ route, err: err instanceof Error ? err.message : String(err) }, 'audit event not recorded');
  }
}
