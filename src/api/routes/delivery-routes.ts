import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { discardDelivery, getDelivery, listDeliveries, requeueDelivery, type DeliveryState } from '../../provenance/deliveries.js';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError, StateConflictError } from '../api-errors.js';
import { DeliveryStateName, DeliveryView, errorResponses, IdParams, Paging } from '../schemas.js';

const DeliveryQuery = Type.Object({
  state: Type.Optional(DeliveryStateName),
  destination: Type.Optional(Type.String({ minLength: 1 })),
  seriesUid: Type.Optional(Type.String({ minLength: 1 })),
  ...Paging,
});

/** The export queue: list (by state, destination, series), one row, requeue a dead row, discard. */
export function deliveryRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  const mustGet = (id: number) => {
    const row = getDelivery(db, id);
    if (!row) throw new NotFoundError(`delivery ${id}`);
    return row;
  };

  return async (app) => {
    app.get<{ Querystring: Static<typeof DeliveryQuery> }>(
      '/api/deliveries',
      {
        schema: {
          summary: 'Deliveries, oldest first; `state=dead` is the dead-letter list',
          tags: ['deliveries'],
          querystring: DeliveryQuery,
          response: { 200: Type.Array(DeliveryView), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const q = request.query;
        return listDeliveries(db, {
          state: q.state as DeliveryState | undefined,
          destination: q.destination,
          seriesUid: q.seriesUid,
          limit: q.limit ?? 100,
          offset: q.offset ?? 0,
        });
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/api/deliveries/:id',
      {
        schema: { summary: 'One delivery', tags: ['deliveries'], params: IdParams, response: { 200: DeliveryView, ...errorResponses(400, 401, 404) } },
      },
      async (request) => mustGet(request.params.id),
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/api/deliveries/:id/requeue',
      {
        schema: {
          summary: 'Put a dead delivery back in the queue, due now, with a fresh attempt budget',
          tags: ['deliveries'],
          params: IdParams,
          response: { 200: DeliveryView, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const before = mustGet(request.params.id);
        if (!requeueDelivery(db, before.id, Date.now())) throw new StateConflictError(`delivery ${before.id} is ${before.state}; only dead deliveries can be requeued`);
        deps.kickDeliveries();
        request.log.info({ deliveryId: before.id, destination: before.destination }, 'delivery requeued through the API');
        return mustGet(before.id);
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/api/deliveries/:id/discard',
      {
        schema: {
          summary: 'Give up on a pending or dead delivery',
          tags: ['deliveries'],
          params: IdParams,
          response: { 200: DeliveryView, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const before = mustGet(request.params.id);
        if (!discardDelivery(db, before.id, Date.now())) throw new StateConflictError(`delivery ${before.id} is ${before.state}; only pending or dead deliveries can be discarded`);
        request.log.info({ deliveryId: before.id, destination: before.destination }, 'delivery discarded through the API');
        return mustGet(before.id);
      },
    );
  };
}
