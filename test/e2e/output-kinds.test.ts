import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { runTool, storescu } from '../helpers/dcmtk.js';
import { readPart10, writePart10, type Dataset } from '../../src/dicom/part10.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { windowInverse } from '../../src/derive/grayscale-image.js';
import { createSliceRenderer } from '../../src/pipeline/stage-adapters.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { processingFailuresOfJob } from '../../src/provenance/processing-failures.js';
import type { JobRow } from '../../src/provenance/jobs.js';
import type { RunningNode } from '../../src/app/node.js';
import { corruptRleCopy } from '../derive/corrupt-fixture.js';
import { endoscopySeries } from '../derive/endoscopy-fixture.js';
import { removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';
import { firstItem, kindRulesYaml, seriesFromOrthanc, writeInstances } from './derived-in-orthanc.js';

/**
 * The small packaged sample series (SMALL_SAMPLES, and a synthetic endoscopy series) through receive → render →
 * derive → Orthanc for every output kind its rule asks for: each derived object as Orthanc
 * stores it passes dciodvfy without an Error, each derived series passes dcentvfy alone and
 * together with its source, and its pixels are the source as DCMTK decodes it, rendered. A series with one undecodable slice still delivers the others, and
 * a kind that does not fit the source is a clear job error.
 */

const KINDS: Record<string, string[]> = {
  CT: ['sc-rgb', 'mf-sc-rgb', 'derived-grayscale'],
  MR: ['sc-rgb', 'mf-sc-rgb', 'derived-grayscale'],
  ES: ['sc-rgb', 'mf-sc-rgb', 'vl-endoscopic'],
  US: ['sc-rgb', 'mf-sc-rgb'],
  OT: ['sc-rgb', 'mf-sc-rgb'],
};
const SOP_CLASS: Record<string, (sourceClass: string) => string> = {
  'sc-rgb': () => '1.2.840.10008.5.1.4.1.1.7',
  'mf-sc-rgb': () => '1.2.840.10008.5.1.4.1.1.7.4',
  'derived-grayscale': (c) => c,
  'vl-endoscopic': () => '1.2.840.10008.5.1.4.1.1.77.1.1',
};

/**
 * The small pydicom-derived sample folders. The larger realistic samples (512² CT, 256² MR,
 * 640×480 endoscopy) are left out: three output kinds of each would outrun these timeouts on a
 * small CPU, and this test checks conformance, not scale.
 */
const SMALL_SAMPLES = ['ct-small', 'ct5n', 'mr-small', 'mr700', 'rgb', 'ybr'];

const errors = (output: string): string[] => output.split('\n').filter((l) => l.startsWith('Error'));
/**
 * dcentvfy across source and derived: a difference is accepted only where the source holds a
 * retired ACR-NEMA date/time (1997.04.24, 14:04:38) that the derived object writes in the current
 * form (legacy-values.ts) — the same date, spelled validly.
 */
const LEGACY_SOURCE_VALUE = /Element=<\w*(Date|Time)>.*Value 1 <(\d{4}\.\d{2}\.\d{2}|\d{2}:\d{2}(:\d{2})?)> versus <\d+>$/;

describe('every output kind from every small sample series, as Orthanc stores it', () => {
  let orthanc: OrthancHandle;
  let node: RunningNode;
  let configDir: string;
  let work: string;
  /** Source series UID → its files on disk. */
  const seriesFiles = new Map<string, string[]>();
  const phantom = createPhantomSeries({ slices: 4, rows: 16, columns: 16, seed: 71 });
  const corruptIndex = 1;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    const port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
    const rules = Object.entries(KINDS).flatMap(([modality, kinds]) => kinds.map((output) => ({ name: `${modality}-${output}`, modality, output })));
    // A kind that does not fit: grayscale derived CT/MR asked of an ultrasound RGB image. Matched by
    // regex, since a rule pinning `modality: US` to this kind is already refused when rules load.
    rules.push({ name: 'US-derived-grayscale', modality: '{ regex: "^US$" }', output: 'derived-grayscale' });
    writeFileSync(join(configDir, 'rules.yaml'), kindRulesYaml(rules));
    node = await startTestNode(configDir);

    work = mkdtempSync(join(tmpdir(), 'output-kinds-'));
    const files: string[] = [];
    for (const folder of SMALL_SAMPLES) {
      for (const f of readdirSync(join(SAMPLES, folder))) files.push(join(SAMPLES, folder, f));
    }
    endoscopySeries(2, 32, 40, 72).forEach((ds, i) => {
      const path = join(work, `es-${i}.dcm`);
      writeFileSync(path, writePart10(ds));
      files.push(path);
    });
    for (let i = 0; i < 4; i++) {
      const path = join(work, `phantom-${i}.dcm`);
      writeFileSync(path, writePart10(phantomSliceDataset(phantom, i)));
      if (i === corruptIndex) writeFileSync(path, corruptRleCopy(path));
      files.push(path);
    }
    for (const f of files) {
      const uid = String(readPart10(readFileSync(f), { untilPixelData: true }).dataset.SeriesInstanceUID);
      seriesFiles.set(uid, [...(seriesFiles.get(uid) ?? []), f]);
    }
    const scu = { port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' };
    const phantomFiles = seriesFiles.get(phantom.SeriesInstanceUID)!;
    const sent = await storescu(scu, files.filter((f) => !phantomFiles.includes(f)));
    expect(sent.rc, sent.output).toBe(0);
    // -xr: RLE proposed too, so the corrupt slice travels as the RLE it is.
    const sentPhantom = await storescu(scu, phantomFiles, ['-xr']);
    expect(sentPhantom.rc, sentPhantom.output).toBe(0);
    await waitForIdle(node, 60_000).catch((err: Error) => {
      const failed = node.db.prepare("SELECT rule_name, series_uid, last_error FROM jobs WHERE state IN ('failed', 'dead')").all();
      throw new Error(`${err.message}; failed jobs: ${JSON.stringify(failed)}`);
    });
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
    if (work) removeDir(work);
  });

  it('every source series gets one derived series per kind of its modality, every object dciodvfy-clean, every series dcentvfy-clean', async () => {
    expect(seriesFiles.size).toBe(8); // ct-small, ct5n, mr-small, mr700, rgb, ybr, endoscopy, phantom
    let objects = 0;
    for (const [sourceUid, files] of seriesFiles) {
      const source = readPart10(readFileSync(files[0]!), { untilPixelData: true }).dataset;
      const modality = String(source.Modality);
      const derived = listDerivedSeriesBySource(node.db, sourceUid);
      expect(derived.map((d) => d.outputKind).sort(), `${modality} ${files[0]}`).toEqual([...KINDS[modality]!].sort());
      for (const d of derived) {
        const instances = await seriesFromOrthanc(orthanc, d.seriesUid);
        const decoded = sourceUid === phantom.SeriesInstanceUID ? files.length - 1 : files.length;
        expect(instances.length, `${d.outputKind} of ${files[0]}`).toBe(d.outputKind === 'mf-sc-rgb' ? 1 : decoded);
        if (d.outputKind === 'mf-sc-rgb') expect(Number(instances[0]!.dataset.NumberOfFrames)).toBe(decoded);
        const paths = writeInstances(work, d.outputKind, instances);
        for (const [i, path] of paths.entries()) {
          expect(instances[i]!.dataset.SOPClassUID).toBe(SOP_CLASS[d.outputKind]!(String(source.SOPClassUID)));
          expect(instances[i]!.dataset.StudyInstanceUID).toBe(source.StudyInstanceUID);
          const v = await runTool('dciodvfy', [path]);
          expect(errors(v.output), `dciodvfy ${d.outputKind} of ${files[0]}`).toEqual([]);
          objects++;
        }
        const alone = await runTool('dcentvfy', paths);
        expect(errors(alone.output), `dcentvfy ${d.outputKind} of ${files[0]}`).toEqual([]);
        expect(alone.rc).toBe(0);
        const decodable = sourceUid === phantom.SeriesInstanceUID ? files.filter((_, i) => i !== corruptIndex) : files;
        const withSource = await runTool('dcentvfy', [...decodable, ...paths]);
        expect(errors(withSource.output).filter((l) => !LEGACY_SOURCE_VALUE.test(l)), `dcentvfy with source, ${d.outputKind} of ${files[0]}`).toEqual([]);
      }
    }
    expect(objects).toBeGreaterThan(40);
  });

  it('the pixels in Orthanc are the source decoded by DCMTK (dcmconv +te) and rendered: per slice, per frame, per kind', async () => {
    const renderer = createSliceRenderer(() => ({ windows: {} }) as unknown as LoadedConfig);
    /** SOP Instance UID → rendered frames of the source after DCMTK converted it to Explicit VR LE. */
    const rendered = new Map<string, Uint8Array[]>();
    for (const files of seriesFiles.values()) {
      for (const f of files) {
        const native = join(work, `native-${rendered.size}.dcm`);
        const conv = await runTool('dcmconv', ['+te', f, native]);
        if (conv.rc !== 0) continue; // the corrupt slice: DCMTK cannot decode it either
        const file = readPart10(readFileSync(native));
        const window = file.dataset.Modality === 'CT' ? 'soft-tissue' : 'file';
        rendered.set(String(file.dataset.SOPInstanceUID), (await renderer.render(file, window)).map((r) => r.image.data));
      }
    }
    expect(rendered.size).toBe([...seriesFiles.values()].flat().length - 1);
    let compared = 0;
    for (const sourceUid of seriesFiles.keys()) {
      for (const d of listDerivedSeriesBySource(node.db, sourceUid)) {
        for (const { dataset: ds } of await seriesFromOrthanc(orthanc, d.seriesUid)) {
          const pixels = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!);
          if (d.outputKind === 'mf-sc-rgb') {
            const frameBytes = Number(ds.Rows) * Number(ds.Columns) * 3;
            (ds.PerFrameFunctionalGroupsSequence as Dataset[]).forEach((f, k) => {
              const ref = firstItem(firstItem(f.DerivationImageSequence).SourceImageSequence);
              const frame = rendered.get(String(ref.ReferencedSOPInstanceUID))![Number(ref.ReferencedFrameNumber ?? 1) - 1]!;
              expect(Buffer.from(pixels.subarray(k * frameBytes, (k + 1) * frameBytes)).equals(Buffer.from(frame)), `frame ${k + 1} of ${d.seriesUid}`).toBe(true);
              compared++;
            });
            continue;
          }
          const ref = firstItem(ds.SourceImageSequence);
          const frame = rendered.get(String(ref.ReferencedSOPInstanceUID))![Number(ref.ReferencedFrameNumber ?? 1) - 1]!;
          if (d.outputKind === 'derived-grayscale') {
            const stored = ds.PixelRepresentation === 1 ? new Int16Array(pixels.buffer, pixels.byteOffset, pixels.length / 2) : new Uint16Array(pixels.buffer, pixels.byteOffset, pixels.length / 2);
            const slope = Number(ds.RescaleSlope ?? 1);
            const intercept = Number(ds.RescaleIntercept ?? 0);
            const { slope: s, intercept: lo } = windowInverse({ center: Number(ds.WindowCenter), width: Number(ds.WindowWidth) });
            stored.forEach((v, i) => {
              // CT: stored grey, rescaled onto the window; MR: the window-range value itself.
              const value = v * slope + intercept;
              expect(Math.abs(value - (lo + frame[i * 3]! * s))).toBeLessThanOrEqual(0.5 + 1e-6);
            });
          } else {
            expect(Buffer.from(pixels.subarray(0, frame.length)).equals(Buffer.from(frame)), `${d.outputKind} ${ds.SOPInstanceUID}`).toBe(true);
          }
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('a slice that does not decode is reported by its jobs; the rest of its series is delivered', () => {
    const jobs = node.db.prepare('SELECT * FROM jobs WHERE series_uid = ? ORDER BY id').all(phantom.SeriesInstanceUID) as JobRow[];
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done']);
    const corruptSop = String(phantomSliceDataset(phantom, corruptIndex).SOPInstanceUID);
    for (const job of jobs) {
      expect(JSON.parse(job.failed_slices_json ?? '[]')).toEqual([{ sopInstanceUid: corruptSop, reasonCode: 'PACS_E_PIXEL_DECODE', reason: expect.stringMatching(/RLE/) }]);
      expect(processingFailuresOfJob(node.db, job.id).map((f) => f.sopInstanceUid)).toEqual([corruptSop]);
    }
  });

  it('a kind that does not fit the source ends its job with a clear error and sends nothing', () => {
    const job = node.db.prepare("SELECT * FROM jobs WHERE rule_name = 'US-derived-grayscale'").get() as JobRow;
    expect(job.state).toBe('dead');
    expect(job.last_error).toMatch(/derived-grayscale needs CT or MR Image Storage sources/);
  });
});
