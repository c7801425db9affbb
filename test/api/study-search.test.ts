import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import type { StudyAttributes } from '../../src/dicom/study-attributes.js';
import { arriveInStudy } from '../helpers/study-arrival.js';
import { freePort } from '../helpers/ports.js';
import { createApiFixture, userWithToken, type ApiFixture } from './api-fixture.js';

interface AuditView {
  event: string;
  route?: string;
  actor: { name: string };
  objects: Array<{ kind: string; id: string }>;
}

/** GET /api/studies as a worklist: the attributes, the search parameters, the roles and the audit of each search. */
describe('study search over the API', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let viewer: string;
  let admin: string;
  const t0 = Date.now() - 60_000;

  const arrive = (study: string, series: string, modality: string, at: number, attrs: Partial<StudyAttributes>) => arriveInStudy(fx.db, { study, series, modality, at, attrs });

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    arrive('2.25.1', '2.25.1.1', 'CT', t0, {
      patientName: 'Doe^Jane',
      patientId: 'PID-100',
      patientBirthDate: '19800102',
      accessionNumber: 'ACC-100',
      studyDate: '20240115',
      studyTime: '083000',
      studyDescription: 'CT Thorax',
      referringPhysicianName: 'House^Gregory',
    });
    arrive('2.25.2', '2.25.2.1', 'MR', t0 + 10, { patientName: 'Roe^Richard', patientId: 'PID-200', accessionNumber: 'ACC-200', studyDate: '20240220', studyDescription: 'MR Knee' });
    viewer = await userWithToken(fx.db, 'dr.ana', 'viewer');
    admin = await userWithToken(fx.db, 'root', 'admin');
    app = buildApi(fx.deps);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  const get = (url: string, token?: string) => app.inject({ method: 'GET', url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  const found = async (query: string) => {
    const r = await get(`/api/studies?${query}`, viewer);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as Array<{ studyUid: string }>).map((s) => s.studyUid);
  };

  it('lists studies with what a worklist shows, most recent first', async () => {
    const list = (await get('/api/studies', viewer)).json();
    expect(list.map((s: { studyUid: string }) => s.studyUid)).toEqual(['2.25.2', '2.25.1']);
    expect(list[1]).toEqual({
      studyUid: '2.25.1',
      patientName: 'Doe^Jane',
      patientId: 'PID-100',
      patientBirthDate: '19800102',
      accessionNumber: 'ACC-100',
      studyDate: '20240115',
      studyTime: '083000',
      studyDescription: 'CT Thorax',
      referringPhysicianName: 'House^Gregory',
      modalities: ['CT'],
      series: 1,
      instances: 1,
      ownOutputSeries: 0,
      firstReceivedAt: t0,
      lastReceivedAt: t0,
    });
  });

  it('searches by patient name, ID, accession, date range, modality and description', async () => {
    expect(await found('patientName=doe*')).toEqual(['2.25.1']);
    expect(await found('patientName=RICH*')).toEqual(['2.25.2']);
    expect(await found(`patientName=${encodeURIComponent('*o?^*')}`)).toEqual(['2.25.2', '2.25.1']);
    expect(await found('patientId=PID-200')).toEqual(['2.25.2']);
    expect(await found('patientId=PID-1*')).toEqual(['2.25.1']);
    expect(await found('accessionNumber=ACC-100')).toEqual(['2.25.1']);
    expect(await found('studyDate=20240201-20240229')).toEqual(['2.25.2']);
    expect(await found('studyDate=-20240131')).toEqual(['2.25.1']);
    expect(await found('modality=mr')).toEqual(['2.25.2']);
    expect(await found('description=thorax')).toEqual(['2.25.1']);
    expect(await found('patientName=&accessionNumber=')).toEqual(['2.25.2', '2.25.1']);
    expect(await found('patientName=doe*&modality=MR')).toEqual([]);
  });

  it('refuses a malformed date range without echoing it', async () => {
    const r = await get('/api/studies?studyDate=19800102-1979', viewer);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'PACS_E_BAD_REQUEST' });
    expect(r.body).not.toContain('19800102');
  });

  it('shows the attributes on the study view', async () => {
    const s = (await get('/api/studies/2.25.1', viewer)).json();
    expect(s).toMatchObject({ studyUid: '2.25.1', patientName: 'Doe^Jane', accessionNumber: 'ACC-100', studyDate: '20240115', modalities: ['CT'] });
    expect(s.received).toHaveLength(1);
  });

  it('needs credentials, and records each search as a Query by its user with its parameters', async () => {
    expect((await get('/api/studies?patientName=doe*')).statusCode).toBe(401);
    expect((await get('/api/studies?patientName=doe*&accessionNumber=ACC-100', viewer)).statusCode).toBe(200);
    const events = (await get('/api/audit?event=110112&user=dr.ana', admin)).json() as AuditView[];
    const latest = events[0]!;
    expect(latest).toMatchObject({ event: 'Query', route: 'GET /api/studies', actor: { name: 'dr.ana' } });
    expect(JSON.parse(latest.objects[0]!.id)).toEqual({ patientName: 'doe*', accessionNumber: 'ACC-100', limit: 100, offset: 0 });
  });
});
