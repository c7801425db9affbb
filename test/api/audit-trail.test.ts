import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import { freePort } from '../helpers/ports.js';
import { createApiFixture, userWithToken, type ApiFixture } from './api-fixture.js';
import { seedProvenance, UID } from './seed.js';

interface AuditView {
  eventId: string;
  event: string;
  outcome: number;
  actor: { name: string; kind: string; host?: string };
  route?: string;
  studyUid?: string;
  objects: Array<{ kind: string; id: string }>;
  at: number;
}

describe('audit trail of the API: who looked at which study, refusals, operator actions', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let viewer: string;
  let admin: string;
  let operator: string;
  let seeded: ReturnType<typeof seedProvenance>;

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
    seeded = seedProvenance(fx.db, Date.now() - 60_000);
    operator = await userWithToken(fx.db, 'op', 'operator');
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
  const audit = async (query: string) => {
    const r = await get(`/api/audit?${query}`, admin);
    expect(r.statusCode).toBe(200);
    return r.json() as AuditView[];
  };

  it('records each view of a study, series or instance by the user, resolved to its study', async () => {
    const t0 = Date.now();
    expect((await get(`/api/studies/${UID.study}`, viewer)).statusCode).toBe(200);
    expect((await get(`/api/series/${UID.series}`, viewer)).statusCode).toBe(200);
    expect((await get(`/api/lineage/${UID.derived1}`, viewer)).statusCode).toBe(200);
    expect((await get('/api/status', viewer)).statusCode).toBe(200);

    const events = await audit(`study=${UID.study}&user=dr.ana`);
    expect(events.map((e) => [e.event, e.route, e.objects[0]!.kind])).toEqual([
      ['DICOM Instances Accessed', 'GET /api/lineage/:uid', 'instance'],
      ['DICOM Instances Accessed', 'GET /api/series/:uid', 'series'],
      ['DICOM Instances Accessed', 'GET /api/studies/:uid', 'study'],
    ]);
    for (const e of events) {
      expect(e.actor).toEqual({ name: 'dr.ana', kind: 'user', host: '127.0.0.1' });
      expect(e.studyUid).toBe(UID.study);
      expect(e.outcome).toBe(0);
      expect(e.at).toBeGreaterThanOrEqual(t0);
    }
  });

  it('records refusals: no credentials, and a role that does not include the route', async () => {
    expect((await get(`/api/studies/${UID.study}`)).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/config/reload', headers: { authorization: `Bearer ${viewer}` } })).statusCode).toBe(403);
    const failures = await audit('failures=true');
    expect(failures.map((e) => [e.event, e.actor.name, e.route])).toEqual([
      ['Security Alert', 'dr.ana', 'POST /api/config/reload'],
      ['User Authentication', '-', 'GET /api/studies/:uid'],
    ]);
  });

  it('records operator actions on jobs and deliveries with what they acted on', async () => {
    const r = await app.inject({ method: 'POST', url: `/api/jobs/${seeded.jobs.dead}/retry`, headers: { authorization: `Bearer ${operator}` } });
    expect(r.statusCode).toBe(200);
    const [e] = await audit('user=op');
    expect(e).toMatchObject({ eventId: '110113', route: 'POST /api/jobs/:id/retry', outcome: 0, objects: [{ kind: 'job', id: String(seeded.jobs.dead) }] });
  });

  it('reading the audit trail is itself audited (Audit Log Used)', async () => {
    await audit('event=110112');
    const used = await audit('event=110101');
    expect(used.length).toBeGreaterThanOrEqual(2);
    expect(used[0]!.actor.name).toBe('root');
  });

  it('is append-only: the database refuses to change or delete an event', () => {
    expect(() => fx.db.prepare('UPDATE audit_events SET actor = ?').run('someone else')).toThrow(/append-only/);
    expect(() => fx.db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
  });
});
