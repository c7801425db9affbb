import http from 'node:http';
import https from 'node:https';
import { TransientTransportError, errorMessage } from '../shared/errors.js';

/** What a DICOMweb request needs beyond method and URL. */
export interface HttpRequestOptions {
  headers?: Record<string, string>;
  body?: Buffer;
  /** PEM texts for https: a CA to trust, a client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  timeoutMs: number;
  /** Response bodies beyond this are cut (STOW and QIDO answers are small JSON). */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: Buffer;
}

/**
 * One HTTP(S) request with node:http, no redirects followed (a credential must not travel to
 * another host). Rejects with TransientTransportError when no HTTP answer came (refused, reset,
 * DNS, TLS handshake, timeout); the message never holds request headers (credentials).
 */
export function httpRequest(method: string, url: string, o: HttpRequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const limit = o.maxResponseBytes ?? 16 * 1024 * 1024;
  return new Promise<HttpResponse>((resolve, reject) => {
    const options: https.RequestOptions = {
      method,
      headers: { ...o.headers, ...(o.body ? { 'content-length': String(o.body.length) } : {}) },
      timeout: o.timeoutMs,
      ...(secure && o.tls ? { ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key } : {}),
    };
    const fail = (err: unknown) => reject(new TransientTransportError(`${method} ${target.origin}${target.pathname}: ${errorMessage(err)}`, { cause: err }));
    const req = (secure ? https : http).request(target, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= limit) chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', fail);
    req.end(o.body);
  });
}

/** The Authorization header for a destination's credentials (RFC 7617 basic, RFC 6750 bearer). */
export function authorizationHeader(auth: { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string } | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.kind === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}` };
  return { authorization: `Bearer ${auth.token}` };
}
