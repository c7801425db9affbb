import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { derivationsOfSeries } from '../../provenance/derivations.js';
import { getDerivedSeries, listDerivedSeriesBySource } from '../../provenance/derived-series.js';
import { findBySop, listBySeries, type InstanceStatus } from '../../provenance/instances.js';
import { getSeries, listSeries } from '../../provenance/series.js';
import { getStudy, searchStudies } from '../../provenance/studies.js';
import { parseDateRange } from '../../provenance/study-match.js';
import type { ApiDeps } from '../api-deps.js';
import { BadRequestError, NotFoundError } from '../api-errors.js';
import { derivedInstanceView, studyAttributesView, studySummaryView } from '../views.js';
import {
  DerivedSeriesView,
  errorResponses,
  InstanceView,
  Millis,
  Nullable,
  Paging,
  SeriesView,
  StudyAttributesView,
  UidParams,
} from '../schemas.js';

/** Series of one study looked at for its detail. */
const STUDY_SCAN_LIMIT = 100_000;

const StudyCounts = Type.Object({
  studyUid: Type.String(),
  modalities: Type.Array(Type.String()),
  series: Type.Integer({ description: 'received series (own output included)' }),
  instances: Type.Integer(),
  ownOutputSeries: Type.Integer({ description: 'series of ours that the PACS sent back' }),
  firstReceivedAt: Millis,
  lastReceivedAt: Millis,
});

const StudySummary = Type.Composite([StudyCounts, StudyAttributesView]);

const StudyDetail = Type.Composite([StudyAttributesView, Type.Object({
  studyUid: Type.String(),
  modalities: Type.Array(Type.String()),
  received: Type.Array(Type.Composite([SeriesView, Type.Object({ derived: Type.Array(DerivedSeriesView) })])),
  derived: Type.Array(DerivedSeriesView, { description: 'every series this node derived from the study' }),
})]);

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

const Search = (description: string, maxLength = 64) => Type.Optional(Type.String({ maxLength, description }));

/** Worklist search, C-FIND style (PS3.4 C.2.2.2); an empty value is no condition. */
const StudyQuery = Type.Object({
  patientName: Search('Person Name, * and ? wildcards, case ignored (DOE* finds Doe^John); without ^ it also matches from the given name on', 200),
  patientId: Search('exact, or * and ? wildcards (case kept)'),
  accessionNumber: Search('exact'),
  studyDate: Search('YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD', 17),
  modality: Search('one modality among the study\'s series (CT, MR, …)', 16),
  description: Search('text the study description contains'),
  ...Paging,
});

/** A search value, trimmed; empty means no condition. */
const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** The query as searchStudies takes it; a malformed date range is a 400 (without the value: it may identify someone). */
function studySearch(q: Static<typeof StudyQuery>) {
  const date = given(q.studyDate);
  const studyDate = date === undefined ? undefined : parseDateRange(date);
  if (date !== undefined && !studyDate) throw new BadRequestError('studyDate is not a date range: YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD');
  return {
    patientName: given(q.patientName),
    patientId: given(q.patientId),
    accessionNumber: given(q.accessionNumber),
    studyDate,
    modality: given(q.modality)?.toUpperCase(),
    description: given(q.description),
    limit: q.limit ?? 100,
    offset: q.offset ?? 0,
  };
}

const CURRENT: InstanceStatus[] = ['stored', 'own_output', 'unprocessable'];

/** Studies, series and instances received, with the series derived from them (Orthanc's tree). */
export function studyRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    app.get<{ Querystring: Static<typeof StudyQuery> }>(
      '/api/studies',
      {
        schema: {
          summary: 'Studies received, most recently active first; searchable by patient, accession, date, modality and description',
          tags: ['studies'],
          querystring: StudyQuery,
          response: { 200: Type.Array(StudySummary), ...errorResponses(400, 401) },
        },
      },
      async (request) => searchStudies(db, studySearch(request.query)).map(studySummaryView),
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
        const study = getStudy(db, request.params.uid);
        return {
          ...studyAttributesView(study),
          studyUid: request.params.uid,
          modalities: study?.modalities ?? [],
          received,
          derived: received.flatMap((s) => s.derived),
        };
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
