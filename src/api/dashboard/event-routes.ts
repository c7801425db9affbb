import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { sessionLimits } from '../../access/session-expiry.js';
import { sessionLive } from '../../access/sessions.js';
import { errorMessage } from '../../shared/errors.js';
import type { RequestAccount } from '../request-account.js';
import type { ApiDeps } from '../api-deps.js';
import { errorResponses } from '../schemas.js';
import { formatServerSentEvent, readLiveSnapshot } from './live-snapshot.js';

export interface EventStreamOptions {
  /** How often the database is read (default 1000 ms). */
  pollMs?: number;
  /** A comment line is sent after this much silence so proxies keep the stream (default 15 s). */
  keepAliveMs?: number;
}

/**
 * GET /api/events: a server-sent event stream of the live view (associations, jobs with progress,
 * queue counts). Each connection reads the database every second and sends a `snapshot` event
 * when anything changed, so a quiet node sends nothing but keep-alive comments. Browsers read it
 * with fetch() rather than EventSource, because EventSource cannot send the Bearer token.
 */
export function eventRoutes(deps: ApiDeps, opts: EventStreamOptions = {}): FastifyPluginAsync {
  const pollMs = opts.pollMs ?? 1000;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  return async (app) => {
    const open = new Set<() => void>();
    app.addHook('onClose', async () => {
      for (const close of [...open]) close();
    });

    app.get(
      '/api/events',
      {
        schema: {
          summary: 'Live view as server-sent events: a `snapshot` event (job and delivery counts, recent jobs with progress, recent associations) whenever it changes',
          tags: ['status'],
          produces: ['text/event-stream'],
          response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let last = '';
        let lastWrite = Date.now();
        let id = 0;
        let busy = false;
        const session = (request.account as RequestAccount | undefined)?.session;
        const tick = async () => {
          // The executor status may wait up to a second on Redis: never two reads at once.
          if (busy) return;
          // A stream opened by a session ends with it (timeout, sign-out); the page then asks to sign in again.
          const auth = deps.config().api.auth;
          if (session && (!auth || !sessionLive(deps.db, session.idSha256, sessionLimits(auth.session), Date.now()))) return close();
          busy = true;
          try {
            const executor = deps.executor ? await deps.executor().catch(() => null) : null;
            if (res.writableEnded) return;
            const snapshot = readLiveSnapshot(deps.db, deps.pendingSeries ? deps.pendingSeries() : null, executor);
            const text = JSON.stringify(snapshot);
            if (text !== last) {
              last = text;
              lastWrite = Date.now();
              res.write(formatServerSentEvent('snapshot', snapshot, ++id));
            } else if (Date.now() - lastWrite >= keepAliveMs) {
              lastWrite = Date.now();
              res.write(': keep-alive\n\n');
            }
          } catch (err) {
            // The database closed under us (node stopping): end the stream, the page reconnects.
            request.log.debug({ err: errorMessage(err) }, 'event stream ended');
            close();
          } finally {
            busy = false;
          }
        };
        const timer = setInterval(() => void tick(), pollMs);
        const close = () => {
          clearInterval(timer);
          open.delete(close);
          if (!res.writableEnded) res.end();
        };
        open.add(close);
        request.raw.on('close', close);
        res.write('retry: 2000\n\n');
        void tick();
      },
    );
  };
}
