import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import { getDelivery } from '../../src/provenance/deliveries.js';
import { getJob } from '../../src/provenance/jobs.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { basic, bearer, createApiFixture, CT_FILE, RULES_YAML, TOKEN, type ApiFixture } from './api-fixture.js';
import { seedProvenance, UID, type Seeded } from './seed.js';
import { RECORD } from '../helpers/what-ran.js';

/** Every route the API must serve (issue 7 items 1 and 2), in OpenAPI path form. */
const EXPECTED_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  'GET /api/status',
  'GET /api/models',
  'GET /api/studies',
  'GET /api/studies/{uid}',
  'GET /api/series/{uid}',
  'GET /api/instances/{uid}',
  'GET /api/jobs',
  'GET /api/jobs/{id}',
  'POST /api/jobs/{id}/cancel',
  'POST /api/jobs/{id}/retry',
  'GET /api/deliveries',
  'GET /api/deliveries/{id}',
  'POST /api/deliveries/{id}/requeue',
  'POST /api/deliveries/{id}/discard',
  'GET /api/lineage/{uid}',
  'GET /api/associations',
  'GET /api/quarantine',
  'GET /api/config',
  'POST /api/config/validate',
  'POST /api/config/reload',
  'POST /api/rules/dry-run',
  'GET /api/destinations',
  'POST /api/destinations/{name}/echo',
  'GET /api/events',
  'GET /api/instances/{uid}/render.png',
  'GET /api/derived/{uid}.png',
  'GET /api/retention',
  'GET /api/me',
  'POST /api/logout',
  'GET /api/login/options',
  'POST /api/login',
  'GET /api/login/oidc',
  'GET /api/login/oidc/callback',
  'GET /api/users',
  'GET /api/audit',
  'GET /',
  'GET /dashboard',
  'GET /dashboard/assets/{file}',
  'POST /dicom-web/studies',
  'POST /dicom-web/studies/{study}',
];

/** Served without a token: liveness and the dashboard's static page (it asks for the token itself). */
const PUBLIC_ROUTES = ['GET /healthz', 'GET /', 'GET /dashboard', 'GET /dashboard/assets/{file}', 'GET /api/login/options', 'POST /api/login', 'GET /api/login/oidc', 'GET /api/login/oidc/callback'];
/** STOW-RS authenticates its own clients (stow: in node.yaml; test/api/stow-routes.test.ts), not with the API token. */
const OWN_AUTH_ROUTES = ['POST /dicom-web/studies', 'POST /dicom-web/studies/{study}'];

describe('HTTP API over a real SQLite file (inject)', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let seeded: Seeded;
  let pacs: StoreScp;

  beforeAll(async () => {
    const downPort = await freePort();
    fx = createApiFixture({ pacsPort: await freePort(), downPort });
    pacs = await startStoreScp({ dir: join(fx.dir, 'pacs'), port: fx.watcher.current.destinations.pacs!.kind === 'dimse' ? (fx.watcher.current.destinations.pacs as unknown as { port: number }).port : 0 });
    seeded = seedProvenance(fx.db);
    app = buildApi(fx.deps);
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await pacs?.stop();
    fx?.cleanup();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer() });
  const post = (url: string, body?: string | Buffer, contentType?: string) =>
    app.inject({ method: 'POST', url, headers: { ...bearer(), ...(contentType ? { 'content-type': contentType } : {}) }, payload: body });

  describe('authentication', () => {
    it('answers /healthz without credentials', async () => {
      const r = await app.inject({ method: 'GET', url: '/healthz' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'ok' });
    });

    it('refuses every other route without credentials, with the challenges', async () => {
      for (const route of EXPECTED_ROUTES.filter((r) => !PUBLIC_ROUTES.includes(r) && !OWN_AUTH_ROUTES.includes(r))) {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        const url = path.replace('{uid}', UID.series).replace('{id}', '1').replace('{name}', 'outbox');
        const r = await app.inject({ method, url });
        expect(r.statusCode, route).toBe(401);
        expect(r.json(), route).toEqual({ code: 'PACS_E_UNAUTHORIZED', message: 'authentication required' });
        expect(String(r.headers['www-authenticate']), route).toContain('Bearer');
      }
    });

    it('refuses a wrong token (bearer and basic) and an unknown route without credentials', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/status', headers: bearer(`${TOKEN}x`) })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/status', headers: basic('admin', 'wrong') })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/status', headers: { authorization: TOKEN } })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/nothing-here' })).statusCode).toBe(401);
    });

    it('accepts the bearer token and basic auth with any user and the token as password', async () => {
      expect((await get('/api/status')).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/status', headers: basic('admin', TOKEN) })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/status', headers: basic('', TOKEN) })).statusCode).toBe(200);
    });

    it('never writes the token to the log', async () => {
      await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(`${TOKEN}-wrong`) });
      await app.inject({ method: 'GET', url: '/api/jobs', headers: basic('x', `${TOKEN}-wrong`) });
      await get('/api/jobs');
      await get('/api/nothing-here');
      const text = fx.logText();
      expect(text).toContain('API request refused');
      expect(text).toContain('"route":"/api/jobs"');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(Buffer.from(`x:${TOKEN}-wrong`).toString('base64'));
    });
  });

  describe('OpenAPI', () => {
    it('lists every route with its parameters, and the security schemes', async () => {
      const r = await get('/openapi.json');
      expect(r.statusCode).toBe(200);
      const doc = r.json() as { openapi: string; paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; security?: unknown[] }>>; components: { securitySchemes: Record<string, unknown> } };
      expect(doc.openapi).toBe('3.1.0');
      const listed = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      expect(listed.sort()).toEqual([...EXPECTED_ROUTES].sort());
      expect(doc.paths['/api/jobs/{id}']!.get!.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
      expect(doc.paths['/api/jobs']!.get!.parameters.map((p) => p.name)).toEqual(['state', 'limit']);
      expect(doc.paths['/healthz']!.get!.security).toEqual([]);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['basicAuth', 'bearerAuth', 'stowBasic', 'stowBearer']);
      expect(JSON.stringify(doc.paths['/api/rules/dry-run'])).toContain('application/dicom');
    });
  });

  describe('status, studies, series, instances', () => {
    it('/api/status summarises listeners, queues, disk and models', async () => {
      const s = (await get('/api/status')).json();
      expect(s.node).toMatchObject({ aeTitle: 'UNIMIE', version: '0.1.0-test' });
      expect(s.listeners).toEqual([{ name: 'main', aeTitle: 'UNIMIE', host: '127.0.0.1', port: 11112, transport: 'dcmjs-dimse', up: true }]);
      expect(s.jobs).toMatchObject({ done: 1, running: 1, dead: 1, pending: 1 });
      expect(s.deliveries).toMatchObject({ done: 1, dead: 1, pending: 1 });
      expect(s.quarantined).toBe(1);
      expect(s.disk).toMatchObject({ freeBytes: 50 * 1024 ** 3, minFreeBytes: 100 * 1024 * 1024 });
      expect(s.models[0]).toMatchObject({ id: 'embedded', loaded: true, device: 'cpu' });
    });

    it('/api/studies groups the received series', async () => {
      const list = (await get('/api/studies')).json();
      expect(list).toEqual([expect.objectContaining({ studyUid: UID.study, series: 2, instances: 3, modalities: ['CT'], ownOutputSeries: 0 })]);
      expect((await get('/api/studies?limit=1&offset=1')).json()).toEqual([]);
      expect((await get('/api/studies?limit=0')).statusCode).toBe(400);
    });

    it('/api/studies/:uid lists the series received and the series derived', async () => {
      const s = (await get(`/api/studies/${UID.study}`)).json();
      expect(s.received.map((x: { seriesUid: string }) => x.seriesUid).sort()).toEqual([UID.series, UID.otherSeries].sort());
      const chest = s.received.find((x: { seriesUid: string }) => x.seriesUid === UID.series);
      expect(chest).toMatchObject({ modality: 'CT', description: 'chest', instanceCount: 2 });
      expect(chest.derived).toEqual([expect.objectContaining({ seriesUid: UID.derivedSeries, outputKind: 'sc-rgb', jobId: seeded.jobs.done })]);
      expect(s.derived.map((x: { seriesUid: string }) => x.seriesUid)).toEqual([UID.derivedSeries]);
      const missing = await get(`/api/studies/${UID.unknown}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'PACS_E_NOT_FOUND' });
      expect((await get('/api/studies/not-a-uid')).statusCode).toBe(400);
    });

    it('/api/series/:uid shows a received series and a derived one', async () => {
      const src = (await get(`/api/series/${UID.series}`)).json();
      expect(src.received).toMatchObject({ seriesUid: UID.series, instanceCount: 2 });
      expect(src.instances.map((i: { sopInstanceUid: string }) => i.sopInstanceUid)).toEqual([UID.source1, UID.source2]);
      expect(src.derived).toHaveLength(1);
      expect(src.derivedFrom).toBeNull();

      const der = (await get(`/api/series/${UID.derivedSeries}`)).json();
      expect(der.received).toBeNull();
      expect(der.derivedFrom).toMatchObject({ sourceSeriesUid: UID.series });
      expect(der.derivedInstances.map((i: { sopInstanceUid: string; sourceSopInstanceUid: string }) => [i.sopInstanceUid, i.sourceSopInstanceUid])).toEqual([
        [UID.derived1, UID.source1],
        [UID.derived2, UID.source2],
      ]);
      expect((await get(`/api/series/${UID.unknown}`)).statusCode).toBe(404);
    });

    it('/api/instances/:uid lists the copies received', async () => {
      const r = (await get(`/api/instances/${UID.source1}`)).json();
      expect(r.copies).toEqual([expect.objectContaining({ sopInstanceUid: UID.source1, status: 'stored', size: 1000, associationId: 'assoc-1' })]);
      expect((await get(`/api/instances/${UID.derived1}`)).statusCode).toBe(404);
    });
  });

  describe('lineage, associations, quarantine, models', () => {
    it('/api/lineage/:uid answers both directions', async () => {
      const fromSource = (await get(`/api/lineage/${UID.source1}`)).json();
      expect(fromSource.received).toHaveLength(1);
      expect(fromSource.derivations).toEqual([expect.objectContaining({ derivation: expect.objectContaining({ derivedSopInstanceUid: UID.derived1, params: { window: 'soft-tissue' } }) })]);
      expect(fromSource.derivations[0].deliveries).toEqual([expect.objectContaining({ destination: 'outbox', state: 'done' })]);

      const fromDerived = (await get(`/api/lineage/${UID.derived2}`)).json();
      expect(fromDerived.derivedFrom.derivation.sourceSopInstanceUid).toBe(UID.source2);
      expect(fromDerived.derivedFrom.job).toMatchObject({ id: seeded.jobs.done, state: 'done' });
      expect(fromDerived.derivedFrom.source[0].sopInstanceUid).toBe(UID.source2);
      expect(fromDerived.deliveries.map((d: { destination: string }) => d.destination).sort()).toEqual(['outbox', 'pacs']);
      expect((await get(`/api/lineage/${UID.unknown}`)).statusCode).toBe(404);
    });

    it('/api/associations filters by outcome', async () => {
      const all = (await get('/api/associations')).json();
      expect(all.map((a: { id: string }) => a.id)).toEqual(['assoc-2', 'assoc-1']);
      const rejected = (await get('/api/associations?outcome=rejected')).json();
      expect(rejected).toEqual([expect.objectContaining({ callingAe: 'INTRUDER', rejectReason: 'calling AE title not allowed', tls: false })]);
      expect(all[1]).toMatchObject({ outcome: 'released', instancesReceived: 0 });
      expect((await get('/api/associations?outcome=maybe')).statusCode).toBe(400);
    });

    it('/api/quarantine lists refused objects', async () => {
      const q = (await get('/api/quarantine')).json();
      expect(q).toEqual([expect.objectContaining({ reasonCode: 'PACS_E_NOT_DICOM', dimseStatus: 0xc000, callingAe: 'STORESCU' })]);
      expect((await get('/api/quarantine?reasonCode=PACS_E_OTHER')).json()).toEqual([]);
    });

    it('/api/models lists the models with their presets, classical without a contribution record', async () => {
      const body = (await get('/api/models')).json();
      expect(body).toEqual([
        {
          ...fx.state.models[0],
          contributionRecord: { path: fx.state.contribution.path, state: 'missing' },
          presets: [{ name: 'fast', unimie: false, label: 'classical', reason: 'no measurement of the network contribution (no contribution record)', measurement: null }],
        },
      ]);
    });

    it("/api/models shows each preset's measured contribution from the record and whether it earns the UniMIE name", async () => {
      const saved = fx.state.contribution;
      const measured = (meetsBar: boolean, db: number) => ({
        ...RECORD,
        presets: { fast: { ...RECORD.presets.strong!, meetsBar, noisy: { ...RECORD.presets.strong!.noisy, contributionDb: db } } },
      });
      try {
        fx.state.contribution = { path: saved.path, state: 'loaded', record: measured(true, 1.42) };
        const [earned] = (await get('/api/models')).json();
        expect(earned.presets).toEqual([
          {
            name: 'fast',
            unimie: true,
            label: 'UniMIE',
            reason: 'network measured +1.42 dB over its network-free twin on noisy kinds (bar 1 dB)',
            measurement: {
              set: 'heldout',
              commit: RECORD.commit,
              createdAt: RECORD.createdAt,
              barDb: 1,
              modelId: 'embedded',
              modelSha256: 'ab'.repeat(32),
              noisy: { ...RECORD.presets.strong!.noisy, contributionDb: 1.42 },
              all: RECORD.presets.strong!.all,
              meetsBar: true,
            },
          },
        ]);
        fx.state.contribution = { path: saved.path, state: 'loaded', record: measured(false, 0.3) };
        const [below] = (await get('/api/models')).json();
        expect(below.presets[0]).toMatchObject({ unimie: false, label: 'classical', reason: expect.stringMatching(/\+0\.30 dB .* below the 1 dB bar/) });
        fx.state.contribution = { path: saved.path, state: 'unreadable', problem: 'not a contribution record: /barDb must be number' };
        const [bad] = (await get('/api/models')).json();
        expect(bad.contributionRecord).toEqual({ path: saved.path, state: 'unreadable', problem: 'not a contribution record: /barDb must be number' });
        expect(bad.presets[0]).toMatchObject({ unimie: false, measurement: null });
      } finally {
        fx.state.contribution = saved;
      }
    });
  });

  describe('jobs', () => {
    it('lists by state and shows progress parsed', async () => {
      const all = (await get('/api/jobs')).json();
      expect(all).toHaveLength(4);
      const dead = (await get('/api/jobs?state=dead')).json();
      expect(dead).toEqual([expect.objectContaining({ id: seeded.jobs.dead, lastError: 'model exploded' })]);
      const job = (await get(`/api/jobs/${seeded.jobs.running}`)).json();
      expect(job.progress).toEqual({ window: 'lung', windowIndex: 0, windows: 1, slicesDone: 1, slices: 2, step: 3, steps: 4 });
      expect(job.action).toMatchObject({ windows: ['soft-tissue'], destinations: ['outbox', 'pacs'] });
      const done = (await get(`/api/jobs/${seeded.jobs.done}`)).json();
      expect(done.derivedSeries).toEqual([expect.objectContaining({ seriesUid: UID.derivedSeries })]);
      expect(done.progress).toBeNull();
      expect((await get('/api/jobs/9999')).statusCode).toBe(404);
      expect((await get('/api/jobs/abc')).statusCode).toBe(400);
      expect((await get('/api/jobs?state=sleeping')).statusCode).toBe(400);
    });

    it('cancels a running job in the database and aborts it in the runner', async () => {
      const r = await post(`/api/jobs/${seeded.jobs.running}/cancel`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ job: { id: seeded.jobs.running, state: 'cancelled' }, abortedRunning: true });
      expect(getJob(fx.db, seeded.jobs.running)!.state).toBe('cancelled');
      expect(fx.state.cancelled).toEqual([seeded.jobs.running]);
      const again = await post(`/api/jobs/${seeded.jobs.done}/cancel`);
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'PACS_E_STATE_CONFLICT' });
      expect(getJob(fx.db, seeded.jobs.done)!.state).toBe('done');
      expect((await post('/api/jobs/9999/cancel')).statusCode).toBe(404);
    });

    it('retries a dead job and kicks the runner', async () => {
      const kicks = fx.state.jobKicks;
      const r = await post(`/api/jobs/${seeded.jobs.dead}/retry`);
      expect(r.statusCode).toBe(200);
      expect(r.json().job).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
      expect(getJob(fx.db, seeded.jobs.dead)!.state).toBe('pending');
      expect(fx.state.jobKicks).toBe(kicks + 1);
      expect((await post(`/api/jobs/${seeded.jobs.dead}/retry`)).statusCode).toBe(409);
    });
  });

  describe('deliveries', () => {
    it('lists by state and destination', async () => {
      expect((await get('/api/deliveries')).json()).toHaveLength(3);
      const dead = (await get('/api/deliveries?state=dead')).json();
      expect(dead).toEqual([expect.objectContaining({ id: seeded.deliveries.dead, destination: 'pacs', lastStatus: 0xa700, lastError: 'association rejected' })]);
      expect((await get('/api/deliveries?destination=outbox')).json().map((d: { id: number }) => d.id)).toEqual([seeded.deliveries.done, seeded.deliveries.pending]);
      expect((await get(`/api/deliveries/${seeded.deliveries.done}`)).json()).toMatchObject({ state: 'done', deliveredAt: expect.any(Number) });
      expect((await get('/api/deliveries/424242')).statusCode).toBe(404);
    });

    it('requeues a dead delivery (due now, fresh attempts) and kicks the worker', async () => {
      const kicks = fx.state.deliveryKicks;
      const r = await post(`/api/deliveries/${seeded.deliveries.dead}/requeue`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ state: 'pending', attempts: 0 });
      expect(getDelivery(fx.db, seeded.deliveries.dead)).toMatchObject({ state: 'pending', attempts: 0 });
      expect(fx.state.deliveryKicks).toBe(kicks + 1);
      const twice = await post(`/api/deliveries/${seeded.deliveries.dead}/requeue`);
      expect(twice.statusCode).toBe(409);
      expect((await post(`/api/deliveries/${seeded.deliveries.done}/requeue`)).statusCode).toBe(409);
      expect((await post('/api/deliveries/424242/requeue')).statusCode).toBe(404);
    });

    it('discards a pending delivery, refuses a done one', async () => {
      const r = await post(`/api/deliveries/${seeded.deliveries.pending}/discard`);
      expect(r.statusCode).toBe(200);
      expect(getDelivery(fx.db, seeded.deliveries.pending)!.state).toBe('discarded');
      expect((await post(`/api/deliveries/${seeded.deliveries.done}/discard`)).statusCode).toBe(409);
      expect(getDelivery(fx.db, seeded.deliveries.done)!.state).toBe('done');
    });
  });

  describe('config, rules and destinations', () => {
    it('/api/config shows the config without the token', async () => {
      const r = await get('/api/config');
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toContain(TOKEN);
      const c = r.json();
      expect(c.api).toEqual({ host: '127.0.0.1', port: 0, token: '[redacted]' });
      expect(Object.keys(c.destinations).sort()).toEqual(['down', 'outbox', 'pacs']);
      expect(c.rules.map((x: { name: string }) => x.name)).toEqual(['ct', 'default']);
    });

    it('/api/config/validate accepts good rules and names file:line for bad ones', async () => {
      const good = await post('/api/config/validate', RULES_YAML, 'application/yaml');
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({ ok: true, issues: [], rules: ['ct', 'default'] });

      const bad = RULES_YAML.replace('destinations: [outbox]', 'destinations: [nowhere]').replace('quietSeconds: 5', 'quietSeconds: 5, colour: red');
      const r = await post('/api/config/validate', bad, 'text/plain');
      expect(r.statusCode).toBe(200);
      const body = r.json() as { ok: boolean; issues: Array<{ file: string; line: number; text: string; message: string }> };
      expect(body.ok).toBe(false);
      expect(body.issues.length).toBeGreaterThanOrEqual(1);
      for (const i of body.issues) {
        expect(i.file).toBe(join(fx.dir, 'rules.yaml'));
        expect(i.line).toBeGreaterThan(0);
        expect(i.text).toContain(`rules.yaml:${i.line}:`);
      }
      expect(body.issues.some((i) => i.line === 4)).toBe(true);

      const json = await app.inject({ method: 'POST', url: '/api/config/validate', headers: bearer(), payload: { node: 'node: { aeTitle: 42x }\nbogus: 1\n' } });
      expect(json.json().ok).toBe(false);
      expect(json.json().issues.every((i: { file: string }) => i.file.endsWith('node.yaml'))).toBe(true);
      expect((await app.inject({ method: 'POST', url: '/api/config/validate', headers: bearer(), payload: {} })).statusCode).toBe(400);
    });

    it('/api/config/reload swaps a valid config in and refuses an invalid one', async () => {
      const rulesPath = join(fx.dir, 'rules.yaml');
      writeFileSync(rulesPath, RULES_YAML.replace('name: ct\n', 'name: ct-chest\n'));
      const ok = await post('/api/config/reload');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ ok: true, changed: true, rules: ['ct-chest', 'default'] });
      expect(fx.watcher.current.rules[0]!.name).toBe('ct-chest');

      writeFileSync(rulesPath, 'rules:\n  - name: broken\n    match: { modality: 3 }\n');
      const refused = await post('/api/config/reload');
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'PACS_E_CONFIG', details: { issues: expect.any(Array) } });
      expect(fx.watcher.current.rules[0]!.name).toBe('ct-chest');
      writeFileSync(rulesPath, RULES_YAML);
      expect((await post('/api/config/reload')).json().rules).toEqual(['ct', 'default']);
    });

    it('/api/rules/dry-run says which rule fires for an uploaded instance and why', async () => {
      const r = await post('/api/rules/dry-run', readFileSync(CT_FILE), 'application/dicom');
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body).toMatchObject({ modality: 'CT', fired: ['ct'] });
      expect(body.decisions.map((d: { rule: string; outcome: string }) => [d.rule, d.outcome])).toEqual([
        ['ct', 'fired'],
        ['default', 'not-evaluated'],
      ]);
      expect(body.text).toContain('fires ct');

      const notDicom = await post('/api/rules/dry-run', Buffer.from('hello, not DICOM'), 'application/dicom');
      expect(notDicom.statusCode).toBe(422);
      expect(notDicom.json()).toMatchObject({ code: 'PACS_E_NOT_DICOM' });
      expect((await post('/api/rules/dry-run', 'x', 'image/png')).statusCode).toBe(415);
    });

    it('/api/destinations lists the destinations with their queues', async () => {
      const list = (await get('/api/destinations')).json();
      expect(list.map((d: { name: string }) => d.name)).toEqual(['outbox', 'pacs', 'down']);
      expect(list[0]).toMatchObject({ kind: 'folder', address: join(fx.dir, 'outbox'), tls: false, queue: { done: 1 } });
      expect(list[1]).toMatchObject({ kind: 'dimse', address: `STORESCP@127.0.0.1:${pacs.port}`, maxAttempts: 8 });
      expect(list[1].queue).toEqual({ pending: expect.any(Number), sending: 0, done: 0, dead: expect.any(Number), discarded: 0 });
    });

    it('/api/destinations/:name/echo tests folder and DICOM destinations', async () => {
      const folder = (await post('/api/destinations/outbox/echo')).json();
      expect(folder).toMatchObject({ destination: 'outbox', kind: 'folder', ok: true });
      const peer = await post('/api/destinations/pacs/echo');
      expect(peer.statusCode).toBe(200);
      expect(peer.json()).toMatchObject({ destination: 'pacs', kind: 'dimse', ok: true, status: 0 });
      const down = (await post('/api/destinations/down/echo')).json();
      expect(down).toMatchObject({ destination: 'down', ok: false });
      expect(down.error).toEqual(expect.any(String));
      expect((await post('/api/destinations/nowhere/echo')).statusCode).toBe(404);
    });
  });
});
