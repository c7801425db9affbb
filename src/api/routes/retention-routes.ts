import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NodeError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { errorResponses, Millis, Nullable } from '../schemas.js';

const Folder = Type.Union(['originals', 'derived', 'outbox', 'quarantine'].map((f) => Type.Literal(f)));
const Reason = Type.Union(['max-age', 'max-size', 'disk-pressure'].map((r) => Type.Literal(r)));

const PlannedItem = Type.Object({
  folder: Folder,
  key: Type.String({ description: 'series UID (originals, derived), `<destination>/<study>/<series>` (outbox) or quarantine row id' }),
  reason: Reason,
  lastActivityAt: Millis,
  files: Type.Array(Type.String(), { description: 'absolute paths' }),
  bytes: Type.Integer(),
});

const FolderSummary = Type.Object({
  folder: Folder,
  units: Type.Integer(),
  files: Type.Integer(),
  bytes: Type.Integer(),
  blocked: Type.Record(Type.String(), Type.Integer(), { description: 'units kept because not finished or not delivered, by reason' }),
  blockedBytes: Type.Integer(),
  purgeUnits: Type.Integer(),
  purgeFiles: Type.Integer(),
  purgeBytes: Type.Integer(),
});

const Run = Type.Object({
  id: Type.Integer(),
  mode: Type.String({ description: 'scheduled, manual (CLI) or emergency (disk pressure)' }),
  startedAt: Millis,
  finishedAt: Nullable(Millis),
  freeBytesBefore: Nullable(Type.Number()),
  freeBytesAfter: Nullable(Type.Number()),
  files: Type.Integer(),
  bytes: Type.Number(),
  rowsDeleted: Type.Integer(),
  error: Nullable(Type.String()),
});

const RetentionBody = Type.Object({
  at: Millis,
  active: Type.Boolean({ description: 'whether any limit or the emergency purge is configured' }),
  policy: Type.Unknown({ description: 'the retention section in force (node.yaml)' }),
  freeBytes: Nullable(Type.Number()),
  emergency: Type.Object({
    triggered: Type.Boolean(),
    freeBytes: Nullable(Type.Number()),
    targetFreeBytes: Type.Number(),
    shortBytes: Type.Number(),
  }),
  folders: Type.Array(FolderSummary),
  itemsTotal: Type.Integer(),
  items: Type.Array(PlannedItem, { description: 'what a run now would delete, oldest first (at most `limit`)' }),
  rowCutoff: Nullable(Millis),
  rows: Nullable(Type.Record(Type.String(), Type.Integer(), { description: 'database rows a run would delete, per table' })),
  runs: Type.Array(Run, { description: 'the last real runs, newest first (node and CLI)' }),
});

const RetentionQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 200 })) });

/** GET /api/retention: the dry run (what would be deleted now, and why) and the last runs. */
export function retentionRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Static<typeof RetentionQuery> }>(
      '/api/retention',
      {
        schema: {
          summary: 'Retention dry run: what would be deleted now and why, what is kept undelivered, and the last runs',
          description:
            'Nothing is deleted. Per folder: units, bytes, units kept because a job or delivery is not finished; the units a run ' +
            'would delete (max-age, max-size, disk-pressure) and the database rows; the last runs of the cleaner.',
          tags: ['retention'],
          querystring: RetentionQuery,
          response: { 200: RetentionBody, ...errorResponses(401, 503) },
        },
      },
      async (request) => {
        if (!deps.retention) throw new NodeError('PACS_E_UNAVAILABLE', 'retention is not available in this process', { httpStatus: 503 });
        const report = await deps.retention.plan();
        const limit = request.query.limit ?? 200;
        return {
          at: report.at,
          active: report.active,
          policy: deps.config().retention,
          freeBytes: report.freeBytes,
          emergency: report.emergency,
          folders: report.folders,
          itemsTotal: report.items.length,
          items: report.items.slice(0, limit),
          rowCutoff: report.rowCutoff,
          rows: report.rows,
          runs: deps.retention.runs(20),
        };
      },
    );
  };
}
