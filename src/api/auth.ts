import { createHash, timingSafeEqual } from 'node:crypto';

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

/** Constant-time comparison over SHA-256 digests (neither content nor length leaks through timing). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** `WWW-Authenticate` challenges sent with a 401 (RFC 6750 §3, RFC 7617 §2). */
export const AUTH_CHALLENGES = ['Bearer realm="unimie-node"', 'Basic realm="unimie-node", charset="UTF-8"'];
