/** Written in place of a secret. */
export const REDACTED = '[redacted]';

/** Keys whose value is a secret wherever they appear. */
const SECRET_KEYS = new Set(['token', 'password', 'secret', 'secretSha256', 'clientSecret']);

/**
 * A copy of the configuration with its secrets replaced by {@link REDACTED}: the API token and
 * every TLS private key (`tls.key`, the PEM text). Certificates and file paths stay: they are
 * public and help an admin check which files were loaded.
 */
export function redactConfig<T>(config: T): T {
  return redact(config, undefined) as T;
}

function redact(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Alert webhooks: every header value (Authorization…) and the URL's path and query, which
    // some services use as the credential (a Slack or Teams webhook URL).
    const secret = SECRET_KEYS.has(k) || (parentKey === 'tls' && k === 'key') || parentKey === 'headers';
    if (k === 'url' && typeof v === 'string' && (value as { kind?: unknown }).kind === 'webhook') {
      out[k] = v.replace(/^([a-z][a-z0-9+.-]*:\/\/)(?:[^/@]*@)?([^/?#]*).*$/i, `$1$2/${REDACTED}`);
      continue;
    }
    if (k === 'url' && typeof v === 'string') {
      // redis://user:password@host keeps its host, loses its credentials.
      out[k] = v.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`);
      continue;
    }
    out[k] = secret && v !== undefined && v !== null ? REDACTED : redact(v, k);
  }
  return out;
}
