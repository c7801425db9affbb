import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { countDeliveriesByState, getDelivery, listDeliveries } from '../../src/provenance/deliveries.js';
import { lineageOf } from '../../src/provenance/lineage.js';
import { startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir, SAMPLES, startTestNode } from '../e2e/node-harness.js';
import { TOKEN, writeDashboardConfig, type DashboardNodePorts } from './dashboard-node.js';

const CHROMIUM = '/usr/bin/chromium';
const CT_SMALL = join(SAMPLES, 'ct-small', 'CT_small.dcm');
/** Screenshots are kept here after the run (the node's temp folder is removed). */
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS ?? join(REPO, 'test-artifacts/dashboard');

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The dashboard in Debian's chromium (playwright-core) against a real node on loopback: DCMTK
 * storescu sends a CT slice, the page follows the job to the end over server-sent events, the
 * before/after viewer shows the source (rendered server-side) and the enhanced slice, and a
 * dead delivery is requeued with a click once its destination is up.
 */
describe('dashboard in chromium over a running node', () => {
  let dir: string | undefined;
  let node: RunningNode | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let late: StoreScp | undefined;
  let ports: DashboardNodePorts;
  let base: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    ports = { dicom: await freePort(), api: await freePort(), late: await freePort() };
    dir = writeDashboardConfig(ports);
    node = await startTestNode(dir);
    base = `http://127.0.0.1:${ports.api}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // The 401s before the token is entered are expected; anything else is a bug in the page.
    page.on('console', (m) => void (m.type() === 'error' && !/status of 401/.test(m.text()) && consoleErrors.push(m.text())));
    page.on('pageerror', (e) => void consoleErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await late?.stop();
    await node?.stop();
    if (dir) removeDir(dir);
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('serves the page without credentials but nothing else', async () => {
    expect((await fetch(`${base}/`)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/dashboard/assets/main.js`)).status).toBe(200);
    expect((await fetch(`${base}/dashboard/assets/..%2Fdashboard-routes.ts`)).status).toBe(400);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    expect((await fetch(`${base}/api/derived/1.2.3.png`)).status).toBe(401);
  });

  it('asks for the token once, then follows the job from arrival to done', async () => {
    await page.goto(`${base}/`);
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    await page.fill('#token-input', TOKEN);
    await page.click('#token-dialog button[type=submit]');
    await page.locator('#live[data-state="live"]').waitFor();
    // Asked once: the token is kept for the tab (sessionStorage), so a reload does not ask again.
    await page.reload();
    await page.locator('#live[data-state="live"]').waitFor();
    expect(await page.locator('#token-dialog').isVisible()).toBe(false);

    const sent = await storescu({ port: ports.dicom, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [CT_SMALL]);
    expect(sent.rc, sent.output).toBe(0);

    // The association and the job appear without a reload (server-sent events), the job ends done at 100 %.
    await page.locator('table.associations td', { hasText: 'STORESCU → UNIMIE' }).first().waitFor({ timeout: 30_000 });
    const doneRow = page.locator('#jobs tr[data-state="done"]');
    await doneRow.waitFor({ timeout: 90_000 });
    expect(await doneRow.locator('.progress').getAttribute('data-percent')).toBe('100');
    expect(await doneRow.textContent()).toContain('ct');
    await page.locator('[data-card="jobs-done"] .n', { hasText: '1' }).waitFor();
    expect(await page.locator('[data-card="executor"] .n').textContent()).toBe('local');
    await page.locator('#studies a[data-study]').first().waitFor();
    // No contribution record in this node's config: its preset is labelled classical, with the reason.
    const preset = page.locator('#models tr[data-preset="fast"]');
    expect(await preset.getAttribute('data-label')).toBe('classical');
    expect(await preset.textContent()).toContain('no measurement of the network contribution');
    await shot('overview');
  });

  it('shows the study with its derived series and compares a slice before and after', async () => {
    await page.click('#studies a[data-study]');
    await page.locator('#source-series a[data-viewer]').waitFor();
    await shot('study');
    await page.click('#source-series a[data-viewer]');
    await page.locator('#viewer-stage[data-ready="true"]').waitFor({ timeout: 30_000 });

    const facts = await page.locator('#slice-facts').textContent();
    expect(facts).toContain('soft-tissue (center 40, width 400)');
    expect(facts).toContain('embedded');
    expect(facts).toContain('fast');
    expect(facts).toMatch(/classical no measurement of the network contribution .* network evaluations per patch from timestep \d+, patch \d+ stride \d+/);

    // Both PNGs load and differ: the enhanced slice is not the windowed source.
    const compared = await page.locator('#viewer-stage img').evaluateAll((imgs) => {
      const pixels = (img: typeof imgs[number]) => {
        const c = img.ownerDocument.createElement('canvas');
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
      };
      const [before, after] = [imgs.find((i) => i.id === 'before-img')!, imgs.find((i) => i.id === 'after-img')!];
      const a = pixels(before);
      const b = pixels(after);
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
      return { bw: before.naturalWidth, bh: before.naturalHeight, aw: after.naturalWidth, ah: after.naturalHeight, meanAbsDiff: sum / a.length };
    });
    expect(compared.bw).toBeGreaterThan(0);
    expect(compared.aw).toBe(compared.bw);
    expect(compared.ah).toBe(compared.bh);
    expect(compared.meanAbsDiff).toBeGreaterThan(0.5);
    await shot('viewer-side-by-side');

    await page.check('input[name=mode][value=overlay]');
    await page.locator('#viewer-stage .overlay').waitFor();
    await page.fill('#reveal', '30');
    expect(await page.locator('#after-img').evaluate((el) => el.style.clipPath)).toBe('inset(0px 0px 0px 30%)');
    await shot('viewer-overlay');
  });

  it('renders PNGs server-side, and answers unknown windows, UIDs and frames with errors', async () => {
    const derived = listDeliveries(node!.db, { destination: 'outbox' })[0]!;
    const source = lineageOf(node!.db, derived.sopInstanceUid).derivedFrom!.derivation.sourceSopInstanceUid;
    const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const png = async (path: string) => {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      return sharp(Buffer.from(await r.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    };
    const lung = await png(`/api/instances/${source}/render.png?window=lung`);
    const soft = await png(`/api/instances/${source}/render.png?window=soft-tissue`);
    const after = await png(`/api/derived/${derived.sopInstanceUid}.png`);
    expect([soft.info.width, soft.info.height, soft.info.channels]).toEqual([128, 128, 3]);
    expect([after.info.width, after.info.height]).toEqual([128, 128]);
    expect(lung.data.equals(soft.data)).toBe(false);
    expect((await get(`/api/instances/${source}/render.png?window=no-such-window`)).status).toBe(400);
    expect((await get(`/api/instances/${source}/render.png?frame=1`)).status).toBe(404);
    expect((await get('/api/instances/1.2.3.4/render.png')).status).toBe(404);
    expect((await get(`/api/derived/${source}.png`)).status).toBe(404);
  });

  it('requeues a dead delivery with a click once its destination is up', async () => {
    const db = node!.db;
    const dead = await until('a dead delivery to the closed port', () => listDeliveries(db, { state: 'dead', destination: 'late' })[0]);
    expect(dead.attempts).toBe(1);

    await page.click('a[data-nav="deliveries"]');
    const row = page.locator(`#dead-deliveries tr[data-delivery-id="${dead.id}"]`);
    await row.waitFor();
    await shot('dead-letters');

    late = await startStoreScp({ dir: join(dir!, 'late'), port: ports.late, aeTitle: 'LATE' });
    await row.locator('button[data-action="requeue"]').click();
    // Requeue makes it pending and kicks the export worker, which may claim it (sending) before
    // the API reads the row back for its answer.
    await page.locator('#deliveries-message', { hasText: `Delivery #${dead.id} to late requeued: now` }).waitFor();
    expect(await page.locator('#deliveries-message').textContent()).toMatch(/requeued: now (pending|sending)$/);

    const delivered = await until('the requeued delivery to be sent', () => {
      const d = getDelivery(db, dead.id)!;
      return d.state === 'done' && d;
    });
    expect(delivered.attempts).toBe(1); // a fresh budget: the one attempt after the requeue
    await page.locator('#dead-deliveries td.empty', { hasText: 'no dead deliveries' }).waitFor();
    await page.locator('#dead-count').waitFor({ state: 'hidden' }); // the nav badge follows the live view
    expect(countDeliveriesByState(db, 'late')).toMatchObject({ dead: 0, done: 1 });
    expect(late.output()).not.toContain('E:');
  });

  it('shows lineage, the association log and the rules, and dry-runs an uploaded file', async () => {
    const derivedSop = listDeliveries(node!.db, { destination: 'outbox' })[0]!.sopInstanceUid;
    await page.goto(`${base}/#/lineage/${derivedSop}`);
    await page.locator('#lineage h2', { hasText: 'Made by this node from' }).waitFor();
    expect(await page.locator('#lineage').textContent()).toContain('outbox');
    await shot('lineage');

    await page.click('a[data-nav="associations"]');
    await page.locator('table.associations td', { hasText: 'STORESCU → UNIMIE' }).first().waitFor();

    await page.click('a[data-nav="rules"]');
    await page.locator('#rules [data-rule="ct"]').waitFor();
    await page.setInputFiles('#dry-run-file', CT_SMALL);
    await page.click('#dry-run button[type=submit]');
    await page.locator('#dry-run-result .message', { hasText: 'Fires: ct' }).waitFor();
    expect(await page.locator('#rules [data-rule="ct"]').getAttribute('class')).toContain('fired');
    await shot('rules-dry-run');
    expect(consoleErrors).toEqual([]);
  });

  it('shows the retention panel: off by default, what the spool holds and what is kept undelivered', async () => {
    await page.click('a[data-nav="retention"]');
    await page.locator('#retention-folders tr[data-folder="originals"]').waitFor();
    expect(await page.locator('#view .message').textContent()).toContain('Retention is off');
    // The CT series: its originals and the derived series, nothing deleted; no run yet.
    expect(await page.locator('#retention-folders tr[data-folder="originals"] td').nth(3).textContent()).toBe('1');
    expect(await page.locator('#retention-folders tr[data-folder="derived"] td').nth(3).textContent()).toBe('1');
    expect(await page.locator('#retention-folders tr[data-folder="originals"]').getAttribute('data-purge')).toBe('0');
    await page.locator('#retention-items td.empty', { hasText: 'nothing would be deleted now' }).waitFor();
    await page.locator('#retention-runs td.empty', { hasText: 'no run yet' }).waitFor();
    expect(await page.locator('#retention-emergency').textContent()).toBe('Emergency purge: off.');
    await shot('retention');
    expect(consoleErrors).toEqual([]);
  });
});
