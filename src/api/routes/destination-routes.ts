import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { describeDestination } from '../../export/destination-kinds.js';
import { countDeliveriesByState } from '../../provenance/deliveries.js';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError } from '../api-errors.js';
import { errorResponses, NameParams } from '../schemas.js';

const DestinationView = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  /** `AE@host:port`, the DICOMweb URL or the folder path. */
  address: Type.String(),
  tls: Type.Boolean(),
  maxAttempts: Type.Integer(),
  queue: Type.Record(Type.String(), Type.Integer(), { description: 'deliveries per state' }),
});

const EchoBody = Type.Object({
  destination: Type.String(),
  kind: Type.String(),
  ok: Type.Boolean(),
  status: Type.Optional(Type.Integer({ description: 'C-ECHO response status' })),
  httpStatus: Type.Optional(Type.Integer({ description: 'HTTP status of the QIDO-RS probe (DICOMweb destinations)' })),
  error: Type.Optional(Type.String()),
  ms: Type.Number(),
});

/** Destinations: the configured ones with their queues, and a connectivity test. */
export function destinationRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/destinations',
      {
        schema: {
          summary: 'Configured destinations with their delivery queue per state',
          tags: ['destinations'],
          response: { 200: Type.Array(DestinationView), ...errorResponses(401) },
        },
      },
      async () =>
        Object.entries(deps.config().destinations).map(([name, d]) => ({
          name,
          kind: d.kind,
          ...describeDestination(d),
          maxAttempts: d.maxAttempts,
          queue: countDeliveriesByState(deps.db, name),
        })),
    );

    app.post<{ Params: Static<typeof NameParams> }>(
      '/api/destinations/:name/echo',
      {
        schema: {
          summary: 'Test a destination: C-ECHO for a DICOM peer, a write check for a folder',
          description: 'Answers 200 with `ok: false` and the reason when the test fails.',
          tags: ['destinations'],
          params: NameParams,
          response: { 200: EchoBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const name = request.params.name;
        const destinations = deps.config().destinations;
        const dest = Object.hasOwn(destinations, name) ? destinations[name] : undefined;
        if (!dest) throw new NotFoundError(`destination ${name}`);
        const r = await deps.echo(name);
        request.log.info({ destination: name, ok: r.ok, status: r.status, ms: r.ms }, 'destination echo through the API');
        return { destination: name, kind: dest.kind, ...r };
      },
    );
  };
}
