import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { listDerivedSeriesByJob } from '../../provenance/derived-series.js';
import { cancelJob, getJob, listJobs, requeueJob, type JobState } from '../../provenance/jobs.js';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError, StateConflictError } from '../api-errors.js';
import { jobView } from '../views.js';
import { DerivedSeriesView, errorResponses, IdParams, JobStateName, JobView } from '../schemas.js';

const JobQuery = Type.Object({
  state: Type.Optional(JobStateName),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

const JobDetail = Type.Composite([JobView, Type.Object({ derivedSeries: Type.Array(DerivedSeriesView) })]);

/** Jobs: list (by state), detail with progress, cancel, retry. */
export function jobRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  const mustGet = (id: number) => {
    const job = getJob(db, id);
    if (!job) throw new NotFoundError(`job ${id}`);
    return job;
  };

  return async (app) => {
    app.get<{ Querystring: Static<typeof JobQuery> }>(
      '/api/jobs',
      {
        schema: {
          summary: 'Jobs, newest first, optionally in one state',
          tags: ['jobs'],
          querystring: JobQuery,
          response: { 200: Type.Array(JobView), ...errorResponses(400, 401) },
        },
      },
      async (request) => listJobs(db, { state: request.query.state as JobState | undefined, limit: request.query.limit }).map(jobView),
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/api/jobs/:id',
      {
        schema: {
          summary: 'One job with its progress (window, slices, diffusion step) and the series it produced',
          tags: ['jobs'],
          params: IdParams,
          response: { 200: JobDetail, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const job = mustGet(request.params.id);
        return { ...jobView(job), derivedSeries: listDerivedSeriesByJob(db, job.id) };
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/api/jobs/:id/cancel',
      {
        schema: {
          summary: 'Cancel a pending, failed or running job (a running job stops and exports nothing)',
          tags: ['jobs'],
          params: IdParams,
          response: {
            200: Type.Object({ job: JobView, abortedRunning: Type.Boolean() }),
            ...errorResponses(400, 401, 404, 409),
          },
        },
      },
      async (request) => {
        const before = mustGet(request.params.id);
        if (!cancelJob(db, before.id)) throw new StateConflictError(`job ${before.id} is ${before.state}; only pending, failed or running jobs can be cancelled`);
        // The row says cancelled first, so the runner's "still wanted?" check agrees with the abort.
        const abortedRunning = deps.cancelRunningJob(before.id);
        request.log.info({ jobId: before.id, previous: before.state, abortedRunning }, 'job cancelled through the API');
        return { job: jobView(mustGet(before.id)), abortedRunning };
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/api/jobs/:id/retry',
      {
        schema: {
          summary: 'Put a dead, failed or cancelled job back in the queue with a fresh attempt budget',
          tags: ['jobs'],
          params: IdParams,
          response: { 200: Type.Object({ job: JobView }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const before = mustGet(request.params.id);
        if (!requeueJob(db, before.id)) throw new StateConflictError(`job ${before.id} is ${before.state}; only dead, failed or cancelled jobs can be retried`);
        deps.kickJobs();
        request.log.info({ jobId: before.id, previous: before.state }, 'job requeued through the API');
        return { job: jobView(mustGet(before.id)) };
      },
    );
  };
}
