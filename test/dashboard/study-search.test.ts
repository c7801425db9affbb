import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/access/accounts.js';
import { REPO } from '../e2e/node-harness.js';
import { arriveInStudy } from '../helpers/study-arrival.js';
import { launchChromium, startSignInApi, type SignInApi } from './signin-api.js';

const PASSWORD = 'radiologist password 31';
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS ?? join(REPO, 'test-artifacts/dashboard');
const DOE = '2.25.301';
const ROE = '2.25.302';

interface AuditView {
  event: string;
  route?: string;
  studyUid?: string;
  actor: { name: string };
  objects: Array<{ kind: string; id: string }>;
}

/** The study list in Debian's chromium: a radiologist searches by patient name and by accession, opens a study, and both are in the audit trail. */
describe('dashboard study search in chromium', () => {
  let node: SignInApi;
  let browser: Browser;
  let page: Page;
  let adminToken: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    node = await startSignInApi('{ session: { idleMinutes: 30, absoluteHours: 12 } }');
    const db = node.fx.db;
    const t0 = Date.now() - 60_000;
    for (const [study, modality, at, attrs] of [
      [DOE, 'CT', t0, { patientName: 'Doe^Jane', patientId: 'PID-301', accessionNumber: 'ACC-301', studyDate: '20240115', studyDescription: 'CT Thorax' }],
      [ROE, 'MR', t0 + 10, { patientName: 'Roe^Richard', patientId: 'PID-302', accessionNumber: 'ACC-302', studyDate: '20240220', studyDescription: 'MR Knee' }],
    ] as const) {
      arriveInStudy(db, { study, series: `${study}.1`, modality, at, attrs });
    }
    await addUser(db, { name: 'dr.ana', role: 'viewer', password: PASSWORD }, Date.now());
    await addUser(db, { name: 'root', role: 'admin' }, Date.now());
    adminToken = createApiToken(db, { user: 'root', label: 'test' }, Date.now()).token;
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (e) => void pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  const rows = () => page.locator('#study-list tbody tr[data-study]');
  const search = async (fields: Record<string, string>) => {
    for (const name of ['patientName', 'patientId', 'accessionNumber', 'from', 'to', 'modality', 'description']) await page.fill(`#study-${name}`, fields[name] ?? '');
    await page.click('#study-search button[type=submit]');
  };

  it('signs in as a radiologist and lists the studies by patient, most recent first', async () => {
    await page.goto(`${node.base}/dashboard#/studies`);
    await page.locator('#signin-dialog').waitFor({ state: 'visible' });
    await page.fill('#signin-user', 'dr.ana');
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-submit');
    await page.locator('#signin-dialog').waitFor({ state: 'hidden' });
    await rows().nth(1).waitFor();
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-study')))).toEqual([ROE, DOE]);
    expect(await page.textContent(`#study-list tr[data-study="${DOE}"]`)).toContain('Doe, Jane');
    expect(await page.locator('a[data-nav="studies"]').getAttribute('class')).toContain('active');
  });

  it('finds the study by patient name, by study date range, then by accession, and opens it', async () => {
    await search({ patientName: 'doe*' });
    await page.waitForURL(/#\/studies\?patientName=doe/);
    await page.locator(`#study-list tr[data-study="${ROE}"]`).waitFor({ state: 'detached' });
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-study')))).toEqual([DOE]);
    expect(await page.textContent('#study-list tbody')).toContain('ACC-301');
    await page.screenshot({ path: join(ARTIFACTS, 'studies-search.png'), fullPage: true });

    await search({ from: '2024-02-01', to: '2024-02-29' });
    await page.waitForURL(/#\/studies\?from=2024-02-01&to=2024-02-29$/);
    await page.locator(`#study-list tr[data-study="${DOE}"]`).waitFor({ state: 'detached' });
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-study')))).toEqual([ROE]);

    await search({ accessionNumber: 'ACC-302' });
    await page.locator(`#study-list tr[data-study="${ROE}"]`).waitFor();
    expect(await rows().count()).toBe(1);

    await search({ accessionNumber: 'ACC-999' });
    await page.locator('#study-list td.empty').waitFor();

    await page.goBack();
    await page.locator(`#study-list tr[data-study="${ROE}"]`).waitFor();
    await page.click(`#study-list tr[data-study="${ROE}"] td:nth-child(6)`);
    await page.waitForURL(new RegExp(`#/study/${ROE.replaceAll('.', '\\.')}$`));
    await page.locator('#study-facts').waitFor();
    expect(await page.textContent('#study-facts')).toMatch(/Roe, Richard · ID PID-302.*ACC-302.*2024-02-20 · MR Knee/s);
    await page.screenshot({ path: join(ARTIFACTS, 'studies-open.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('recorded the searches and the view for the signed-in user', async () => {
    const r = await fetch(`${node.base}/api/audit?user=dr.ana`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(r.status).toBe(200);
    const events = (await r.json()) as AuditView[];
    const queries = events.filter((e) => e.event === 'Query' && e.route === 'GET /api/studies').map((e) => JSON.parse(e.objects[0]!.id) as Record<string, unknown>);
    expect(queries).toContainEqual(expect.objectContaining({ patientName: 'doe*' }));
    expect(queries).toContainEqual(expect.objectContaining({ accessionNumber: 'ACC-302' }));
    expect(queries).toContainEqual(expect.objectContaining({ studyDate: '20240201-20240229' }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'DICOM Instances Accessed', route: 'GET /api/studies/:uid', studyUid: ROE, actor: expect.objectContaining({ name: 'dr.ana' }) }));
  });
});
