import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../access/roles.js';
import { sessionLimits } from '../access/session-expiry.js';
import { startSession, type StartedSession } from '../access/sessions.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Db } from '../provenance/database.js';
import { loginAuditEvent, type LoginAttempt } from './login-audit.js';
import { sessionSetCookie } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The route wrote its own audit event; the API's request audit skips it. */
    auditRecorded?: boolean;
  }
}

/** Starts a session for a user who proved who they are, and sets its cookie on the reply (Max-Age: the absolute timeout). */
export function signIn(
  db: Db,
  reply: FastifyReply,
  s: { https: boolean; session: { idleMinutes: number; absoluteHours: number } },
  who: { userId: number | null; userName: string; role: Role; via: 'password' | 'oidc'; client: string },
  now: number,
): StartedSession {
  const limits = sessionLimits(s.session);
  const started = startSession(db, who, limits, now);
  reply.header('set-cookie', sessionSetCookie(s.https, started.id, limits.absoluteMs / 1000));
  return started;
}

/** Records a sign-in or sign-out and marks the request so it is not audited twice. */
export function auditLogin(db: Db, request: FastifyRequest, a: Omit<LoginAttempt, 'host'>, now: number): void {
  request.auditRecorded = true;
  try {
    recordAudit(db, loginAuditEvent({ ...a, host: request.ip }, now));
  } catch (err) {
    request.log.error({ route: a.route, err: err instanceof Error ? err.message : String(err) }, 'audit event not recorded');
  }
}
