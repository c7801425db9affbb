/**
 * ioredis options for BullMQ from the config's Redis section or the worker's flags: URL (with
 * `rediss://` for TLS), a password that overrides the URL's, optional CA. Requests wait through
 * a Redis restart instead of failing (BullMQ workers require maxRetriesPerRequest: null).
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'bullmq';

export interface RedisEndpoint {
  url: string;
  password?: string;
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

export function redisConnectionOptions(endpoint: RedisEndpoint): ConnectionOptions & Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(endpoint.url);
  } catch {
    throw new RangeError(`not a Redis URL: ${redactUrl(endpoint.url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RangeError(`Redis URL must start with redis:// or rediss://, got ${u.protocol}//`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new RangeError(`Redis database "${u.pathname.slice(1)}" is not a number`);
  const password = endpoint.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  const tls = u.protocol === 'rediss:' || endpoint.tls !== undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    host,
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    ...(tls
      ? {
          tls: {
            // SNI takes names only; an address is checked against the certificate's IP SAN.
            ...(isIP(host) ? {} : { servername: host }),
            rejectUnauthorized: endpoint.tls?.rejectUnauthorized ?? true,
            ...(endpoint.tls?.ca ? { ca: endpoint.tls.ca } : {}),
          },
        }
      : {}),
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart, but never give up.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** The URL without its credentials, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
