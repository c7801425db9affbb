import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries the API token: `Bearer <token>`, or `Basic` with any
 * user name and the token as password (browsers and curl's `-u`). With no token configured every
 * request is allowed. Comparison is constant-time over SHA-256 digests, so neither the content
 * nor the length of the token leaks through timing.
 */
export function isAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || token === '') return true;
  const presented = presentedSecret(header);
  if (presented === undefined) return false;
  return sameSecret(presented, token);
}

/** What an `Authorization` header presents: a Bearer token, or Basic user and password (RFC 7617). */
export type PresentedCredentials = { scheme: 'bearer'; token: string } | { scheme: 'basic'; user: string; password: string };

export function presentedCredentials(header: string | undefined): PresentedCredentials | undefined {
  if (!header) return undefined;
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return { scheme: 'bearer', token: m[2]! };
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // RFC 7617: user-id ":" password.
  return colon < 0 ? undefined : { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The secret in a Bearer or Basic header (the Basic user is ignored), or undefined when the header has neither form. */
export function presentedSecret(header: string | undefined): string | undefined {
  const c = presentedCredentials(header);
  return c === undefined ? undefined : c.scheme === 'bearer' ? c.token : c.password;
}

/** Constant-time comparison over SHA-256 digests (neither content nor length leaks through timing). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** `WWW-Authenticate` challenges sent with a 401 (RFC 6750 §3, RFC 7617 §2). */
export const AUTH_CHALLENGES = ['Bearer realm="unimie-node"', 'Basic realm="unimie-node", charset="UTF-8"'];
