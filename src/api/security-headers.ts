import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Response headers for the dashboard and API (helmet): a Content-Security-Policy that allows only
 * the node's own scripts, styles and API (images also from blob: URLs, which the viewer makes of
 * rendered PNGs), no framing (frame-ancestors 'none' and X-Frame-Options), no MIME sniffing, no
 * referrer, and HSTS when served over HTTPS.
 */
export function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }): void {
  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: opts.https ? { maxAge: 31_536_000 } : false,
    crossOriginEmbedderPolicy: false,
  });
}
