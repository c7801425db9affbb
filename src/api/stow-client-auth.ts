import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedStowClient } from '../config/resolve-stow.js';
import { hostMatcher } from '../net/allow-list-policy.js';
import { presentedCredentials } from './auth.js';

/** Who a STOW-RS request comes from, or why it is refused: 401 (nobody proven) or 403 (a client, not from its hosts). */
export type StowClientDecision =
  | { ok: true; client: ResolvedStowClient }
  | { ok: false; status: 401; why: string }
  | { ok: false; status: 403; client: ResolvedStowClient; why: string };

/**
 * `WWW-Authenticate` for a 401 of the STOW-RS endpoint (RFC 6750 §3, RFC 7617 §2). A client that
 * sent a Bearer token gets the Bearer challenge only (with `invalid_token`): a Basic challenge
 * would make a browser-based DICOMweb client pop up a login dialog over a wrong token.
 */
export function stowAuthChallenges(header: string | undefined): string[] {
  const bearer = 'Bearer realm="unimie-node-stow"';
  if (presentedCredentials(header)?.scheme === 'bearer') return [`${bearer}, error="invalid_token"`];
  return [bearer, 'Basic realm="unimie-node-stow", charset="UTF-8"'];
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Finds the STOW-RS client an `Authorization` header proves (Bearer token, or Basic user and
 * password), then checks the address it comes from against the client's hosts. Every client's
 * digest is compared in constant time, and all of them are compared, so timing tells neither
 * which client nor how much of a secret matched. The clients are the allow list: default deny.
 */
export function authenticateStowClient(header: string | undefined, remoteAddress: string, clients: readonly ResolvedStowClient[]): StowClientDecision {
  const presented = presentedCredentials(header);
  if (!presented) return { ok: false, status: 401, why: header ? 'unreadable Authorization header' : 'no credentials' };
  const secret = digest(presented.scheme === 'bearer' ? presented.token : presented.password);
  let found: ResolvedStowClient | undefined;
  for (const c of clients) {
    const cred = c.credential;
    const same = timingSafeEqual(secret, Buffer.from(cred.secretSha256, 'hex'));
    const kindFits = presented.scheme === 'bearer' ? cred.kind === 'bearer' : cred.kind === 'basic' && cred.user === presented.user;
    if (same && kindFits && !found) found = c;
  }
  if (!found) return { ok: false, status: 401, why: 'credentials match no STOW-RS client' };
  if (found.hosts && !hostMatcher([...found.hosts])(remoteAddress)) {
    return { ok: false, status: 403, client: found, why: `client ${found.name} is not allowed from ${remoteAddress}` };
  }
  return { ok: true, client: found };
}
