import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError } from '../api-errors.js';
import { checkReadiness } from '../readiness.js';
import { errorResponses } from '../schemas.js';

const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() });
const ReadinessBody = Type.Object({ ready: Type.Boolean(), checks: Type.Array(Check) });

/** /healthz (liveness, public), /readyz (readiness with reasons) and /metrics (Prometheus). */
export function healthRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: the process answers',
          tags: ['health'],
          security: [],
          response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() }) },
        },
      },
      async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: database writable, spool disk above its threshold, models loaded, listeners up',
          description: '503 with the failing checks when the node is not ready.',
          tags: ['health'],
          response: { 200: ReadinessBody, 503: ReadinessBody, ...errorResponses(401) },
        },
      },
      async (_request, reply) => {
        const r = await checkReadiness(deps);
        return reply.code(r.ready ? 200 : 503).send(r);
      },
    );

    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics (text exposition format)',
          tags: ['health'],
          produces: ['text/plain'],
          response: { 200: Type.String(), ...errorResponses(401, 404) },
        },
      },
      async (_request, reply) => {
        if (!deps.metrics) throw new NotFoundError('metrics registry');
        const { contentType, body } = await deps.metrics.scrape();
        return reply.type(contentType).send(body);
      },
    );
  };
}
