/**
 * The dashboard's session cookie. Over HTTPS it is `__Host-unimie_session` with Secure, Path=/,
 * HttpOnly and SameSite=Strict: the __Host- prefix makes browsers refuse it unless it is Secure,
 * host-only and for Path=/, so no other host or path can plant or shadow it. Browsers refuse a
 * Secure cookie (and so a __Host- one) over plain http, so an API without api.tls (loopback, or
 * behind a TLS proxy on the same machine) uses `unimie_session` with the same attributes but Secure.
 */
const SECURE_NAME = '__Host-unimie_session';
const PLAIN_NAME = 'unimie_session';

export function sessionCookieName(https: boolean): string {
  return https ? SECURE_NAME : PLAIN_NAME;
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4: `name=value; …`). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value: the session id for at most `maxAgeSeconds` (the absolute timeout), or an expired one to delete it. */
export function sessionSetCookie(https: boolean, id: string | null, maxAgeSeconds = 0): string {
  const attrs = [`${sessionCookieName(https)}=${id ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${id === null ? 0 : Math.max(1, Math.floor(maxAgeSeconds))}`];
  if (https) attrs.push('Secure');
  return attrs.join('; ');
}
