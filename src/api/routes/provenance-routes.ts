import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { listAssociations, type AssociationOutcome } from '../../provenance/associations.js';
import { lineageOf } from '../../provenance/lineage.js';
import { listQuarantine } from '../../provenance/quarantine.js';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError } from '../api-errors.js';
import { AnyObject, AssociationView, errorResponses, Paging, QuarantineView, UidParams } from '../schemas.js';

const AssociationQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms' })),
  outcome: Type.Optional(Type.Union(['open', 'rejected', 'released', 'aborted', 'error'].map((s) => Type.Literal(s)))),
  callingAe: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  ...Paging,
});

const QuarantineQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms' })),
  reasonCode: Type.Optional(Type.String({ minLength: 1 })),
  associationId: Type.Optional(Type.String({ minLength: 1 })),
  ...Paging,
});

/** Lineage of any SOP Instance UID (both directions), the association log and the quarantine. */
export function provenanceRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    app.get<{ Params: Static<typeof UidParams> }>(
      '/api/lineage/:uid',
      {
        schema: {
          summary: 'Where a derived instance came from and where a source instance went',
          description:
            '`received`: copies received under the UID; `derivedFrom`: the source, job, model and deliveries when this node made it; ' +
            '`derivations`: what was derived from it; `deliveries`: where the UID itself was sent.',
          tags: ['provenance'],
          params: UidParams,
          response: { 200: AnyObject, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const l = lineageOf(db, request.params.uid);
        if (l.received.length === 0 && !l.derivedFrom && l.derivations.length === 0 && l.deliveries.length === 0) {
          throw new NotFoundError(`SOP Instance UID ${request.params.uid}`);
        }
        return l;
      },
    );

    app.get<{ Querystring: Static<typeof AssociationQuery> }>(
      '/api/associations',
      {
        schema: {
          summary: 'Association log, newest first (who sent what, outcome, reject reason)',
          tags: ['provenance'],
          querystring: AssociationQuery,
          response: { 200: Type.Array(AssociationView), ...errorResponses(400, 401) },
        },
      },
      async (request) => listAssociations(db, { ...request.query, outcome: request.query.outcome as AssociationOutcome | undefined }),
    );

    app.get<{ Querystring: Static<typeof QuarantineQuery> }>(
      '/api/quarantine',
      {
        schema: {
          summary: 'Objects refused at receive time, newest first, with reason and DIMSE status',
          tags: ['provenance'],
          querystring: QuarantineQuery,
          response: { 200: Type.Array(QuarantineView), ...errorResponses(400, 401) },
        },
      },
      async (request) => listQuarantine(db, request.query),
    );
  };
}
