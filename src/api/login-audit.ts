import type { AuditEvent } from '../audit/audit-event.js';

/** A sign-in or sign-out as the audit trail records it (PS3.15 A.5.3.8 User Authentication: Login / Logout). */
export interface LoginAttempt {
  kind: 'login' | 'logout';
  /** The user name tried or signed in; '-' when none is known (a refused single sign-on before any claim). */
  user: string;
  ok: boolean;
  host: string;
  route: string;
  /** How: password, oidc; and why a refusal (never a secret). */
  detail: string;
}

export function loginAuditEvent(a: LoginAttempt, at: number): AuditEvent {
  return {
    at,
    eventId: '110114',
    eventType: a.kind === 'login' ? '110122' : '110123',
    action: 'E',
    outcome: a.ok ? 0 : 4,
    actor: { name: a.user, kind: a.ok ? 'user' : 'unauthenticated', host: a.host },
    route: a.route,
    objects: a.user === '-' ? [] : [{ kind: 'user', id: a.user }],
    detail: a.detail,
  };
}
