import type { ActiveSession } from '../access/sessions.js';
import { sameSecret } from './auth.js';

/** The header that carries the session's CSRF token (the dashboard reads it from POST /api/login or GET /api/me). */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request must be refused as a possible cross-site request forgery: it changes state,
 * was authenticated by the session cookie (an ambient credential a browser adds by itself), and
 * does not carry the session's synchronizer token. Requests with an Authorization header are not
 * ambient and are never refused here.
 */
export function csrfRefused(method: string, presentedToken: string | string[] | undefined, session: ActiveSession | undefined): boolean {
  if (!session || SAFE_METHODS.has(method)) return false;
  return typeof presentedToken !== 'string' || !sameSecret(presentedToken, session.csrfToken);
}

/**
 * Whether a request comes from a page's script (fetch/XHR: Fetch Metadata `Sec-Fetch-Mode` cors or
 * same-origin). Such a request gets no Basic challenge with a 401, so the browser does not open its
 * own password prompt over the dashboard's sign-in form.
 */
export function fromPageScript(secFetchMode: string | string[] | undefined): boolean {
  return secFetchMode === 'cors' || secFetchMode === 'same-origin';
}
