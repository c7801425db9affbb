import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { derivationsOfSeries } from '../../provenance/derivations.js';
import { getDerivedSeries, listDerivedSeriesBySource } from '../../provenance/derived-series.js';
import { findBySop, listBySeries, type InstanceStatus } from '../../provenance/instances.js';
import { getSeries, listSeries, type SeriesRow } from '../../provenance/series.js';
import type { ApiDeps } from '../api-deps.js';
import { NotFoundError } from '../api-errors.js';
import { derivedInstanceView } from '../views.js';
import {
  DerivedSeriesView,
  errorResponses,
  InstanceView,
  Millis,
  Nullable,
  Paging,
  SeriesView,
  UidParams,
} from '../schemas.js';

/** Studies are grouped from their series rows; this many recent series are looked at. */
const STUDY_SCAN_LIMIT = 100_000;

const StudySummary = Type.Object({
  studyUid: Type.String(),
  modalities: Type.Array(Type.String()),
  series: Type.Integer({ description: 'received series (own output included)' }),
  instances: Type.Integer(),
  ownOutputSeries: Type.Integer({ description: 'series of ours that the PACS sent back' }),
  firstReceivedAt: Millis,
  lastReceivedAt: Millis,
});

const StudyDetail = Type.Object({
  studyUid: Type.String(),
  received: Type.Array(Type.Composite([SeriesView, Type.Object({ derived: Type.Array(DerivedSeriesView) })])),
  derived: Type.Array(DerivedSeriesView, { description: 'every series this node derived from the study' }),
});

const DerivedInstance = Type.Object({
  sopInstanceUid: Type.String(),
  sopClassUid: Type.String(),
  sourceSopInstanceUid: Type.String(),
  sourceSeriesUid: Type.String(),
  jobId: Type.Integer(),
  stage: Type.String(),
  modelId: Nullable(Type.String()),
  preset: Nullable(Type.String()),
  createdAt: Millis,
});

const SeriesDetail = Type.Object({
  seriesUid: Type.String(),
  received: Nullable(SeriesView),
  instances: Type.Array(InstanceView, { description: 'received instances that are not replaced, in slice order' }),
  derived: Type.Array(DerivedSeriesView, { description: 'series derived from this one' }),
  derivedFrom: Nullable(DerivedSeriesView),
  derivedInstances: Type.Array(DerivedInstance, { description: 'when this node produced the series: its instances' }),
});

const StudyQuery = Type.Object({ ...Paging });

const CURRENT: InstanceStatus[] = ['stored', 'own_output', 'unprocessable'];

function summarize(studyUid: string, series: SeriesRow[]): Static<typeof StudySummary> {
  return {
    studyUid,
    modalities: [...new Set(series.map((s) => s.modality).filter((m): m is string => !!m))].sort(),
    series: series.length,
    instances: series.reduce((n, s) => n + s.instanceCount, 0),
    ownOutputSeries: series.filter((s) => s.ownOutput).length,
    firstReceivedAt: Math.min(...series.map((s) => s.firstReceivedAt)),
    lastReceivedAt: Math.max(...series.map((s) => s.lastReceivedAt)),
  };
}

/** Studies, series and instances received, with the series derived from them (Orthanc's tree). */
export function studyRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    app.get<{ Querystring: Static<typeof StudyQuery> }>(
      '/api/studies',
      {
        schema: {
          summary: 'Studies received, most recently active first',
          tags: ['studies'],
          querystring: StudyQuery,
          response: { 200: Type.Array(StudySummary), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const byStudy = new Map<string, SeriesRow[]>();
        for (const s of listSeries(db, { limit: STUDY_SCAN_LIMIT })) {
          const list = byStudy.get(s.studyUid) ?? [];
          list.push(s);
          byStudy.set(s.studyUid, list);
        }
        const offset = request.query.offset ?? 0;
        const limit = request.query.limit ?? 100;
        // Series come most recent first, so the map's insertion order is the study order.
        return [...byStudy].slice(offset, offset + limit).map(([uid, series]) => summarize(uid, series));
      },
    );

    app.get<{ Params: Static<typeof UidParams> }>(
      '/api/studies/:uid',
      {
        schema: {
          summary: 'One study: the series received and the series derived from them',
          tags: ['studies'],
          params: UidParams,
          response: { 200: StudyDetail, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const series = listSeries(db, { studyUid: request.params.uid, limit: STUDY_SCAN_LIMIT });
        if (series.length === 0) throw new NotFoundError(`study ${request.params.uid}`);
        const received = series.map((s) => ({ ...s, derived: s.ownOutput ? [] : listDerivedSeriesBySource(db, s.seriesUid) }));
        return { studyUid: request.params.uid, received, derived: received.flatMap((s) => s.derived) };
      },
    );

    app.get<{ Params: Static<typeof UidParams> }>(
      '/api/series/:uid',
      {
        schema: {
          summary: 'One series: received instances, series derived from it, or how it was derived',
          tags: ['studies'],
          params: UidParams,
          response: { 200: SeriesDetail, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const uid = request.params.uid;
        const received = getSeries(db, uid) ?? null;
        const derivedFrom = getDerivedSeries(db, uid) ?? null;
        if (!received && !derivedFrom) throw new NotFoundError(`series ${uid}`);
        const instances = received ? CURRENT.flatMap((status) => listBySeries(db, uid, status, { includePurged: true })) : [];
        return {
          seriesUid: uid,
          received,
          instances,
          derived: listDerivedSeriesBySource(db, uid),
          derivedFrom,
          derivedInstances: derivedFrom ? derivationsOfSeries(db, uid).map(derivedInstanceView) : [],
        };
      },
    );

    app.get<{ Params: Static<typeof UidParams> }>(
      '/api/instances/:uid',
      {
        schema: {
          summary: 'Every copy received under a SOP Instance UID, newest first',
          tags: ['studies'],
          params: UidParams,
          response: {
            200: Type.Object({ sopInstanceUid: Type.String(), copies: Type.Array(InstanceView) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => {
        const copies = findBySop(db, request.params.uid);
        if (copies.length === 0) throw new NotFoundError(`instance ${request.params.uid}`);
        return { sopInstanceUid: request.params.uid, copies };
      },
    );
  };
}
