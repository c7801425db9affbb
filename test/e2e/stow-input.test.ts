import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { parseStowResponse } from '../../src/export/stow-rs.js';
import { listAssociations } from '../../src/provenance/associations.js';
import { findCurrentBySop } from '../../src/provenance/instances.js';
import { listJobs } from '../../src/provenance/jobs.js';
import { listQuarantine } from '../../src/provenance/quarantine.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';

/**
 * The STOW-RS input end to end: dcmjs-org's dicomweb-client, loaded from its UMD build into
 * Debian's Chromium (real XMLHttpRequest, no polyfill), stores a CT study into a running node over
 * POST /dicom-web/studies/{study}; the node answers after spooling, routes the study by the
 * client's name as calling AE, renders it and delivers the derived series to a DCMTK storescp.
 * Then the refusals: a wrong token (401), a client from a host it is not allowed from (403), a
 * corrupt part (202 / 409 with the Failed SOP Sequence and a quarantine row), another study than
 * the path names (409, 0xA900), a wrong media type (415) and a body over stow.maxRequestMb (413);
 * the node keeps serving after each.
 */

const CHROMIUM = '/usr/bin/chromium';
const CLIENT_JS = createRequire(import.meta.url).resolve('dicomweb-client/build/dicomweb-client.js');
const CT_FILES = readdirSync(join(SAMPLES, 'ct5n')).map((f) => readFileSync(join(SAMPLES, 'ct5n', f)));
const header = (b: Buffer) => readPart10(b, { untilPixelData: true }).dataset;
const STUDY = header(CT_FILES[0]!).StudyInstanceUID as string;
const SOPS = CT_FILES.map((f) => header(f).SOPInstanceUID as string);

const RIS_TOKEN = 'ris-web-token-5d1c0b7e9a2f4c38';
const REMOTE_TOKEN = 'remote-token-8e2a61f0c4b9d753';
const VIEWER_PASSWORD = 'viewer-password-31f9';

const RULES = `rules:
  - name: stow-ct
    match: { callingAe: RIS_WEB, modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [pacs] }
  - name: default
    default: true
    actions: { drop: true }
`;

/** What the page saw: the XHR's status and response, whether the library resolved or rejected. */
interface StowAnswer {
  status: number;
  contentType: string | null;
  body: string;
  rejected: boolean;
}

describe('STOW-RS input: a DICOMweb client study through the node', () => {
  let node: RunningNode;
  let pacs: StoreScp;
  let browser: Browser;
  let page: Page;
  let configDir: string;
  let work: string;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)`);
    work = mkdtempSync(join(tmpdir(), 'stow-input-'));
    pacs = await startStoreScp({ dir: join(work, 'pacs'), aeTitle: 'PACS' });
    const apiPort = await freePort();
    configDir = writeTestConfig({ port: await freePort(), transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: pacs.port }, apiPort, rulesYaml: RULES });
    writeFileSync(join(configDir, 'viewer.secret'), `${VIEWER_PASSWORD}\n`);
    appendFileSync(
      join(configDir, 'node.yaml'),
      `stow:
  maxRequestMb: 1
  clients:
    - { name: RIS_WEB, token: ${RIS_TOKEN} }
    - { name: VIEWER, user: viewer, password: { file: viewer.secret } }
    - { name: REMOTE, token: ${REMOTE_TOKEN}, hosts: [10.99.0.0/16] }
`,
    );
    node = await startTestNode(configDir);
    base = `http://127.0.0.1:${node.api!.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage();
    // The page and the library come from the node's origin (no CORS), served by the test, not the node.
    await page.route(`${base}/stow-client/**`, (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ contentType: 'text/javascript', body: readFileSync(CLIENT_JS, 'utf8') })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script src="/stow-client/dicomweb-client.js"></script>' }),
    );
    await page.goto(`${base}/stow-client/index.html`);
    expect(await page.evaluate(() => typeof (globalThis as unknown as { DICOMwebClient?: unknown }).DICOMwebClient)).toBe('object');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await pacs?.stop();
    if (configDir) removeDir(configDir);
    if (work) removeDir(work);
  });

  /** `storeInstances` of dicomweb-client in the page, with the given Authorization header. */
  async function store(files: Buffer[], authorization: string, study?: string): Promise<StowAnswer> {
    return page.evaluate(
      async ({ datasets, authorization, study }) => {
        const toBuffer = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
        // The page's globals (the test is compiled without the DOM library).
        type Client = { storeInstances(o: Record<string, unknown>): Promise<unknown> };
        type Xhr = { status: number; responseText: string; getResponseHeader(name: string): string | null };
        const page = globalThis as unknown as {
          DICOMwebClient: { api: { DICOMwebClient: new (o: Record<string, unknown>) => Client } };
          XMLHttpRequest: new () => Xhr;
          location: { origin: string };
        };
        const client = new page.DICOMwebClient.api.DICOMwebClient({ url: `${page.location.origin}/dicom-web`, headers: { Authorization: authorization } });
        const xhr = new page.XMLHttpRequest();
        const answer = (rejected: boolean) => ({ status: xhr.status, contentType: xhr.getResponseHeader('content-type'), body: String(xhr.responseText ?? ''), rejected });
        try {
          await client.storeInstances({ datasets: datasets.map(toBuffer), ...(study ? { studyInstanceUID: study } : {}), request: { instance: xhr } });
          return answer(false);
        } catch {
          return answer(true);
        }
      },
      { datasets: files.map((f) => f.toString('base64')), authorization, study },
    );
  }

  const bearer = (token: string) => `Bearer ${token}`;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const stillServing = async () => expect((await fetch(`${base}/healthz`)).status).toBe(200);

  it('stores the study, answers 200 with the Referenced SOP Sequence after spooling, and the derived series reaches the PACS', async () => {
    const answer = await store(CT_FILES, bearer(RIS_TOKEN), STUDY);
    expect(answer).toMatchObject({ status: 200, rejected: false, contentType: expect.stringContaining('application/dicom+json') });
    const response = parseStowResponse(answer.body);
    expect(response.stored.map((s) => s.sopInstanceUid).sort()).toEqual([...SOPS].sort());
    expect(response.failed).toEqual([]);
    expect(JSON.parse(answer.body)['00081199'].Value[0]['00081150']).toEqual({ vr: 'UI', Value: [header(CT_FILES[0]!).SOPClassUID] });

    // Durable before the answer: every instance has its row and its bytes in the spool.
    for (const [i, sop] of SOPS.entries()) {
      const row = findCurrentBySop(node.db, sop);
      expect(row, sop).toBeDefined();
      expect(Buffer.compare(readFileSync(row!.path), CT_FILES[i]!)).toBe(0);
    }
    const [request] = listAssociations(node.db, { callingAe: 'RIS_WEB' });
    expect(request).toMatchObject({ transport: 'stow-rs', listener: 'stow-rs', calledAe: 'UNIMIE', outcome: 'released', instancesReceived: 5, failures: 0 });

    await waitForIdle(node, 120_000);
    const jobs = listJobs(node.db).filter((j) => j.kind === 'series');
    expect(jobs.map((j) => [j.rule_name, j.state])).toEqual([['stow-ct', 'done']]);
    const delivered = readdirSync(pacs.dir).map((f) => header(readFileSync(join(pacs.dir, f))));
    expect(delivered).toHaveLength(SOPS.length);
    expect(delivered.every((d) => d.StudyInstanceUID === STUDY && d.SOPClassUID === '1.2.840.10008.5.1.4.1.1.7')).toBe(true);
  });

  it('refuses a wrong token with 401 and a client from a host it is not allowed from with 403', async () => {
    const remote = await store(CT_FILES.slice(0, 1), bearer(REMOTE_TOKEN));
    expect(remote).toMatchObject({ status: 403, rejected: true });
    const wrong = await store(CT_FILES.slice(0, 1), bearer('not-a-known-token-123'));
    expect(wrong).toMatchObject({ status: 401, rejected: true });
    const noCredentials = await fetch(`${base}/dicom-web/studies`, { method: 'POST', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=x' }, body: '--x--' });
    expect(noCredentials.status).toBe(401);
    expect(noCredentials.headers.get('www-authenticate')).toContain('Basic');
    expect(listAssociations(node.db, { callingAe: 'REMOTE' })).toMatchObject([{ transport: 'stow-rs', outcome: 'rejected', rejectReason: expect.stringContaining('HTTP 403') }]);
    await stillServing();
  });

  it('answers a corrupt part with 202 and its Failure Reason (quarantined with the reason), all-corrupt with 409', async () => {
    const corrupt = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('garbage that is no file meta at all')]);
    const mixed = await store([CT_FILES[0]!, corrupt], basic('viewer', VIEWER_PASSWORD));
    expect(mixed).toMatchObject({ status: 202, rejected: false });
    const response = parseStowResponse(mixed.body);
    expect(response.stored.map((s) => s.sopInstanceUid)).toEqual([SOPS[0]]);
    expect(JSON.parse(mixed.body)['00081198'].Value).toHaveLength(1);
    const reason = JSON.parse(mixed.body)['00081198'].Value[0]['00081197'].Value[0] as number;
    expect(reason & 0xf000).toBe(0xc000);

    const [request] = listAssociations(node.db, { callingAe: 'VIEWER' });
    const quarantined = listQuarantine(node.db, { associationId: request!.id });
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ callingAe: 'VIEWER', dimseStatus: reason, reasonCode: expect.stringMatching(/^PACS_E_/) });
    expect(readFileSync(quarantined[0]!.path).equals(corrupt)).toBe(true);
    expect(request).toMatchObject({ outcome: 'released', instancesReceived: 1, failures: 1 });

    const none = await store([corrupt, Buffer.from('also not dicom')], basic('viewer', VIEWER_PASSWORD));
    expect(none).toMatchObject({ status: 409, rejected: true });
    expect(JSON.parse(none.body)['00081198'].Value).toHaveLength(2);
    expect(JSON.parse(none.body)['00081199']).toBeUndefined();
    await stillServing();
  });

  it('fails instances of another study than the path names with 0xA900 (409), storing nothing', async () => {
    const answer = await store(CT_FILES.slice(0, 2), bearer(RIS_TOKEN), '1.2.826.0.1.3680043.8.498.1');
    expect(answer).toMatchObject({ status: 409, rejected: true });
    expect(parseStowResponse(answer.body).failed).toEqual(SOPS.slice(0, 2).map((sopInstanceUid) => ({ sopInstanceUid, reason: 0xa900 })));
    await stillServing();
  });

  it('records a request whose client went away mid-body as aborted, keeping the instance it had sent whole', async () => {
    const boundary = 'gone-away';
    const req = httpRequest(`${base}/dicom-web/studies`, {
      method: 'POST',
      headers: { authorization: bearer(RIS_TOKEN), 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
    });
    req.on('error', () => undefined);
    req.write(Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), CT_FILES[4]!, Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), CT_FILES[3]!.subarray(0, 500)]));
    const before = listAssociations(node.db, { callingAe: 'RIS_WEB' }).length;
    await expect.poll(() => listAssociations(node.db, { callingAe: 'RIS_WEB' }).length, { timeout: 5000 }).toBe(before + 1);
    await expect.poll(() => listAssociations(node.db, { callingAe: 'RIS_WEB' })[0]!.instancesReceived, { timeout: 5000 }).toBe(1);
    req.destroy();
    await expect.poll(() => listAssociations(node.db, { callingAe: 'RIS_WEB' })[0]!.outcome, { timeout: 5000 }).toBe('aborted');
    await stillServing();
  });

  it('refuses another media type with 415 and a body over stow.maxRequestMb with 413, then still stores', async () => {
    const auth = { authorization: bearer(RIS_TOKEN) };
    const single = await fetch(`${base}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': 'application/dicom' }, body: CT_FILES[0] });
    expect(single.status).toBe(415);
    expect(await single.json()).toMatchObject({ code: 'PACS_E_UNSUPPORTED_MEDIA_TYPE' });
    const json = await fetch(`${base}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': 'multipart/related; type="application/dicom+json"; boundary=x' }, body: '--x--' });
    expect(json.status).toBe(415);

    const big = Buffer.alloc(1024 * 1024 + 4096, 0x41);
    const tooLarge = await fetch(`${base}/dicom-web/studies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'multipart/related; type="application/dicom"; boundary=b' },
      body: Buffer.concat([Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\n'), big, Buffer.from('\r\n--b--\r\n')]),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: 'PACS_E_TOO_LARGE' });

    // A re-send after all that: acknowledged (identical bytes are not stored twice).
    const again = await store(CT_FILES, bearer(RIS_TOKEN));
    expect(again).toMatchObject({ status: 200, rejected: false });
    expect(parseStowResponse(again.body).stored).toHaveLength(SOPS.length);
  });
});
