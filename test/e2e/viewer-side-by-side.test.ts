import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { writePart10 } from '../../src/dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { storescu } from '../helpers/dcmtk.js';
import { startOhifViewer, type OhifViewer } from '../helpers/ohif-viewer.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { fittedImageRect, rectContains, regionCorrelation, regionStats, type Rect, type RegionStats, type RgbaImage } from '../helpers/screenshot-pixels.js';
import { seriesFromOrthanc } from './derived-in-orthanc.js';
import { removeDir, REPO, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and measurements stay here after the run. */
const ARTIFACTS = process.env.VIEWER_ARTIFACTS ?? join(REPO, 'test-artifacts/viewer');

const ROWS = 72;
const COLUMNS = 96;
const SLICES = 2;
const phantom = createPhantomSeries({ slices: SLICES, rows: ROWS, columns: COLUMNS, sliceThickness: 2.5, seed: 17 });

/**
 * For the image checks, a screenshot without what the viewer draws over its canvases (overlay text,
 * orientation markers, scrollbar, active-viewport border): everything in a pane but the canvas and
 * the elements that hold it.
 */
const CANVAS_ONLY = '[data-cy="viewport-pane"] *:not(canvas):not(:has(canvas)) { visibility: hidden !important; }';

/** The canvas less its edge, where the pane's border is drawn. */
const inside = (r: Rect): Rect => ({ x: r.x + 4, y: r.y + 4, width: r.width - 8, height: r.height - 8 });

/** A drawn slice, not an empty or flat viewport: luminance spread and share of lit pixels. */
const MIN_STD = 25;
const MIN_LIT_FRACTION = 0.15;

interface Pane {
  description: string;
  /** The cornerstone canvas, in page pixels. */
  canvas: Rect;
  /** The overlay line that names the series, as drawn (clipped to its box). */
  label: Rect;
  labelVisible: boolean;
}

/** The viewport pane whose overlay names `description`: its canvas and that overlay line. */
async function paneShowing(page: Page, description: string): Promise<Pane> {
  const pane = page.locator('[data-cy="viewport-pane"]').filter({ has: page.getByText(description, { exact: true }) });
  await expect.poll(() => pane.count(), { timeout: 30_000, message: `a viewport labelled "${description}"` }).toBe(1);
  const label = pane.getByText(description, { exact: true });
  const canvas = await pane.locator('canvas.cornerstone-canvas').boundingBox();
  const box = await label.boundingBox();
  const clip = await label.locator('..').boundingBox();
  if (!canvas || !box || !clip) throw new Error(`viewport "${description}" has no layout box`);
  const x0 = Math.max(box.x, clip.x);
  const x1 = Math.min(box.x + box.width, clip.x + clip.width);
  return { description, canvas, label: { x: x0, y: box.y, width: Math.max(0, x1 - x0), height: box.height }, labelVisible: await label.isVisible() };
}

async function decodePng(png: Buffer): Promise<RgbaImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/**
 * The derived series of a CT study, as the node sends it to Orthanc, next to its source in OHIF
 * (the built app from npm, over Orthanc's DICOMweb plugin) in Debian's chromium: each viewport's
 * pixels in the screenshot must show a drawn slice, the derived one at the source's place and size
 * and with the same anatomy, under an overlay that names the derived series.
 */
describe('derived series next to its source in a DICOMweb viewer (OHIF)', () => {
  let orthanc: OrthancHandle | undefined;
  let node: RunningNode | undefined;
  let viewer: OhifViewer | undefined;
  let browser: Browser | undefined;
  let configDir: string | undefined;
  let page: Page;
  let derived: { seriesUid: string; description: string; rows: number; columns: number };
  let sourceDescription: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    orthanc = await startOrthanc({ dicomWeb: true });
    const port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort }, enhance: 'fast' });
    node = await startTestNode(configDir);
    const files = Array.from({ length: SLICES }, (_, i) => {
      const path = join(configDir!, `ct-${i}.dcm`);
      writeFileSync(path, writePart10(phantomSliceDataset(phantom, i)));
      return path;
    });
    const toNode = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
    expect(toNode.rc, toNode.output).toBe(0);
    // The modality sends the source to the PACS as well.
    const toPacs = await storescu({ port: orthanc.dicomPort, callingAeTitle: 'STORESCU', calledAeTitle: orthanc.aeTitle }, files);
    expect(toPacs.rc, toPacs.output).toBe(0);
    await waitForIdle(node);

    const [row, ...more] = listDerivedSeriesBySource(node.db, phantom.SeriesInstanceUID);
    expect(row, 'one derived series').toBeDefined();
    expect(more).toEqual([]);
    const [first] = await seriesFromOrthanc(orthanc, row!.seriesUid);
    expect(first, 'the derived series is in Orthanc').toBeDefined();
    derived = { seriesUid: row!.seriesUid, description: String(first!.dataset.SeriesDescription), rows: Number(first!.dataset.Rows), columns: Number(first!.dataset.Columns) };
    sourceDescription = String(phantomSliceDataset(phantom, 0).SeriesDescription);

    viewer = await startOhifViewer({ dicomWebUrl: orthanc.dicomWebUrl!, user: orthanc.user, password: orthanc.password });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    page.on('pageerror', (e) => void pageErrors.push(e.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    console.info(`viewer screenshots: ${ARTIFACTS}`);

    // One viewport per series (OHIF's grid hanging protocol), then a 1 x 2 layout, as a reader picks it.
    await page.goto(`${viewer.url}/viewer?StudyInstanceUIDs=${phantom.StudyInstanceUID}&hangingProtocolId=@ohif/mnGrid`);
    await page.locator('[data-cy="Layout"]').click();
    await page.locator('[data-cy="Layout-1-0"]').click();
    await page.locator('[data-cy="viewport-pane"]').nth(1).waitFor({ timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
  });

  it('shows the derived series and its source side by side, each slice drawn at the same place and size', async () => {
    expect(await page.locator('[data-cy="viewport-pane"]').count(), 'a 1 x 2 layout').toBe(2);
    const source = await paneShowing(page, sourceDescription);
    const derivedPane = await paneShowing(page, derived.description);
    expect(derivedPane.canvas.x, 'derived series to the right of its source').toBeGreaterThan(source.canvas.x);

    // The images came over WADO-RS, then the drawing settles: two screenshots in a row alike.
    const frameOf = (seriesUid: string) => viewer!.dicomWebRequests.some((r) => r.status === 200 && r.path.includes(`/series/${seriesUid}/instances/`) && r.path.includes('/frames/'));
    await expect.poll(() => frameOf(phantom.SeriesInstanceUID) && frameOf(derived.seriesUid), { timeout: 30_000, message: 'WADO-RS frames of both series' }).toBe(true);
    const imagesOnly = () => page.screenshot({ style: CANVAS_ONLY });
    let png = await imagesOnly();
    let shot = await decodePng(png);
    const measure = (img: RgbaImage) => ({ source: regionStats(img, inside(source.canvas)), derived: regionStats(img, inside(derivedPane.canvas)) });
    let stats = measure(shot);
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      await page.waitForTimeout(500);
      png = await imagesOnly();
      shot = await decodePng(png);
      const next = measure(shot);
      const settled = JSON.stringify(next) === JSON.stringify(stats);
      stats = next;
      if (settled) break;
    }
    writeFileSync(join(ARTIFACTS, 'side-by-side.png'), await page.screenshot());
    writeFileSync(join(ARTIFACTS, 'side-by-side-images-only.png'), png);
    const crop = (r: Rect) => ({ left: Math.ceil(r.x), top: Math.ceil(r.y), width: Math.floor(r.width), height: Math.floor(r.height) });
    await sharp(png).extract(crop(source.canvas)).toFile(join(ARTIFACTS, 'source-viewport.png'));
    await sharp(png).extract(crop(derivedPane.canvas)).toFile(join(ARTIFACTS, 'derived-viewport.png'));

    const inCanvas = (s: RegionStats, canvas: Rect) => s.litBox && { ...s.litBox, x: s.litBox.x - Math.ceil(canvas.x), y: s.litBox.y - Math.ceil(canvas.y) };
    const sourceBox = inCanvas(stats.source, source.canvas);
    const derivedBox = inCanvas(stats.derived, derivedPane.canvas);
    const expectedImage = fittedImageRect(derivedPane.canvas, derived.columns, derived.rows);
    const correlation = regionCorrelation(shot, inside(source.canvas), shot, inside(derivedPane.canvas));
    writeFileSync(
      join(ARTIFACTS, 'measurements.json'),
      JSON.stringify({ derived, sourceDescription, panes: { source, derived: derivedPane }, stats, sourceBox, derivedBox, expectedImage, correlation, pageErrors }, null, 2),
    );

    // Control: the source, read by the same viewer from the same PACS, is drawn.
    expect(stats.source.std).toBeGreaterThan(MIN_STD);
    expect(stats.source.litFraction).toBeGreaterThan(MIN_LIT_FRACTION);
    // The derived slice is drawn: not blank, not flat.
    expect(stats.derived.std, 'derived viewport luminance spread').toBeGreaterThan(MIN_STD);
    expect(stats.derived.litFraction, 'derived viewport lit share').toBeGreaterThan(MIN_LIT_FRACTION);
    // At the expected size: the derived grid (same as the source's) fitted into its viewport, and
    // where the source's slice is drawn in its own viewport, to about one image pixel (the viewer
    // interpolates colour images, so their edges spread by a fraction of a pixel more).
    expect([derived.rows, derived.columns]).toEqual([ROWS, COLUMNS]);
    expect(derivedBox).toBeDefined();
    expect(rectContains(expectedImage, derivedBox!, 2), `derived drawing ${JSON.stringify(derivedBox)} inside the fitted image ${JSON.stringify(expectedImage)}`).toBe(true);
    expect(derivedBox!.width, 'the slice fills most of the fitted image width').toBeGreaterThan(0.6 * expectedImage.width);
    const imagePixel = expectedImage.width / derived.columns;
    for (const k of ['x', 'y', 'width', 'height'] as const) {
      expect(Math.abs(derivedBox![k] - sourceBox![k]), `derived vs source drawing: ${k}`).toBeLessThanOrEqual(1.5 * imagePixel);
    }
    // The same anatomy: the enhanced slice correlates with its source.
    expect(correlation, 'derived vs source viewport correlation').toBeGreaterThan(0.8);
    expect(pageErrors).toEqual([]);
  });

  it("names the derived series in its viewport's overlay, drawn on screen", async () => {
    const derivedPane = await paneShowing(page, derived.description);
    expect(derived.description).toMatch(/NOT FOR PRIMARY DIAGNOSIS/);
    expect(derivedPane.labelVisible).toBe(true);
    expect(derivedPane.label.width).toBeGreaterThan(50);
    const shot = await decodePng(await page.screenshot());
    const label = regionStats(shot, derivedPane.label);
    expect(label.std, 'text pixels where the series description is').toBeGreaterThan(20);
    expect(rectContains(derivedPane.canvas, derivedPane.label, 0), 'the label sits over the derived viewport').toBe(true);
  });
});
