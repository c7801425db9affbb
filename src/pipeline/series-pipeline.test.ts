import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/log.js';
import { ConformanceError } from '../shared/errors.js';
import { readPart10, writePart10, type Dataset } from '../dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../dicom/phantom.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels, TransferSyntax } from '../dicom/transfer-syntax.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { createJob, getJob, type JobRow } from '../provenance/jobs.js';
import { derivationsOfJob } from '../provenance/derivations.js';
import { insertInstance, listBySeries } from '../provenance/instances.js';
import { processingFailuresOfJob } from '../provenance/processing-failures.js';
import { Spool } from '../spool/spool.js';
import { InstanceReceiver } from '../receive/instance-receiver.js';
import type { LoadedConfig } from '../config/load.js';
import { corruptRleCopy } from '../../test/derive/corrupt-fixture.js';
import { jobView } from '../api/views.js';
import { runSeriesPipeline } from './series-pipeline.js';
import { createDerivedObjectBuilder, createSliceRenderer } from './stage-adapters.js';
import type { SeriesAction } from './stages.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const CT5N = resolve(import.meta.dirname, '../../sample-studies/ct5n');
const config = { windows: {} } as unknown as LoadedConfig;
const files = readdirSync(CT5N).sort().map((f) => join(CT5N, f));
/** The third slice arrives as RLE whose stream does not decode. */
const CORRUPT = 2;

let dir: string;
let db: Db;
let spool: Spool;
let seriesUid: string;
let studyUid: string;
let corruptSop: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  db = openDatabase(join(dir, 'p.sqlite'));
  spool = new Spool(join(dir, 'spool'));
  await spool.init();
  const receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels) });
  for (const [i, f] of files.entries()) {
    const bytes = i === CORRUPT ? corruptRleCopy(f) : readFileSync(f);
    const r = await receiver.ingest({ bytes, callingAe: 'SCU', calledAe: 'UNIMIE' });
    expect(r.outcome).toBe('stored');
  }
  const first = readPart10(readFileSync(files[0]!)).dataset;
  seriesUid = String(first.SeriesInstanceUID);
  studyUid = String(first.StudyInstanceUID);
  corruptSop = String(readPart10(readFileSync(files[CORRUPT]!)).dataset.SOPInstanceUID);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(output: string, windows = ['soft-tissue']): { job: JobRow; action: SeriesAction } {
  const action = { windows, enhance: 'none', output, destinations: ['out'] };
  return { job: createJob(db, { seriesUid, studyUid, ruleName: output, action }), action };
}

const run = (j: { job: JobRow; action: SeriesAction }) =>
  runSeriesPipeline(
    j.job,
    j.action,
    { db, spool, renderer: createSliceRenderer(() => config), builder: createDerivedObjectBuilder('UNIMIE'), log: silentLogger },
    new AbortController().signal,
  );

describe('runSeriesPipeline: a slice whose pixels do not decode', () => {
  it('is recorded with the codec error and skipped; every other slice is derived (per-slice kind)', async () => {
    const j = job('sc-rgb', ['soft-tissue', 'bone']);
    const result = await run(j);
    expect(result.derived).toHaveLength(2 * (files.length - 1));
    expect(result.failedSlices).toEqual([{ sopInstanceUid: corruptSop, reasonCode: 'PACS_E_PIXEL_DECODE', reason: expect.stringMatching(/RLE/) }]);
    const rows = processingFailuresOfJob(db, j.job.id);
    expect(rows).toHaveLength(1); // once, not once per window
    expect(rows[0]).toMatchObject({ sopInstanceUid: corruptSop, transferSyntaxUid: TransferSyntax.RleLossless, reasonCode: 'PACS_E_PIXEL_DECODE' });
    expect(JSON.parse(getJob(db, j.job.id)!.failed_slices_json!)).toEqual(result.failedSlices);
    expect(jobView(getJob(db, j.job.id)!).failedSlices).toEqual(result.failedSlices);
    expect(derivationsOfJob(db, j.job.id).map((d) => d.source_sop_instance_uid)).not.toContain(corruptSop);
  });

  it('instances stored as undecodable are reported the same way, without being read', async () => {
    insertInstance(db, {
      sopInstanceUid: '1.2.3.4.5.6.7',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.1.1',
      seriesUid,
      studyUid,
      transferSyntaxUid: TransferSyntax.Mpeg2MainProfile,
      path: join(dir, 'not-there.dcm'),
      size: 1,
      sha256: 'x',
      receivedAt: Date.now(),
      status: 'unprocessable',
    });
    const result = await run(job('sc-rgb'));
    expect(result.derived).toHaveLength(files.length - 1);
    expect(result.failedSlices.map((f) => [f.sopInstanceUid, f.reasonCode])).toEqual([
      ['1.2.3.4.5.6.7', 'PACS_E_TRANSFER_SYNTAX_NOT_DECODABLE'],
      [corruptSop, 'PACS_E_PIXEL_DECODE'],
    ]);
    expect(result.failedSlices[0]!.reason).toMatch(/MPEG2/);
  });

  it('a series of undecodable objects only (a video) derives nothing and reports them, without failing', async () => {
    db.prepare("UPDATE instances SET status = 'unprocessable' WHERE series_uid = ?").run(seriesUid);
    const j = job('mf-sc-rgb');
    const result = await run(j);
    expect(result.derived).toEqual([]);
    expect(result.failedSlices).toHaveLength(files.length);
    expect(result.failedSlices.every((f) => f.reasonCode === 'PACS_E_TRANSFER_SYNTAX_NOT_DECODABLE')).toBe(true);
    expect(JSON.parse(getJob(db, j.job.id)!.failed_slices_json!)).toHaveLength(files.length);
  });

  it('fails the job with the reasons when no slice at all decodes', async () => {
    db.prepare("UPDATE instances SET status = 'replaced' WHERE sop_instance_uid != ?").run(corruptSop);
    const j = job('sc-rgb');
    const err = await run(j).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('PACS_E_SERIES_NOT_PROCESSABLE');
    expect((err as Error).message).toMatch(/RLE/);
    expect(JSON.parse(getJob(db, j.job.id)!.failed_slices_json!)).toHaveLength(1);
  });
});

const PYDICOM = pydicomData('test_files');

/** A pydicom non-image object (SR, RT Plan, ECG) moved into the test series, stored through the receiver. */
async function storeNonImage(file: string, n: number): Promise<string> {
  const ds = readPart10(readFileSync(join(PYDICOM, file))).dataset;
  const sop = `2.25.99${n}`;
  const moved: Dataset = { ...ds, StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid, SOPInstanceUID: sop };
  const receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels) });
  const r = await receiver.ingest({ bytes: writePart10(moved), callingAe: 'SCU', calledAe: 'UNIMIE' });
  expect(r.outcome).toBe('stored');
  return sop;
}

describe('runSeriesPipeline: objects that are no images', () => {
  it('a mixed series derives its images and lists the SR and RT Plan with their reason', async () => {
    const sr = await storeNonImage('test-SR.dcm', 1);
    const plan = await storeNonImage('rtplan.dcm', 2);
    const j = job('sc-rgb', ['soft-tissue', 'bone']);
    const result = await run(j);
    expect(result.derived).toHaveLength(2 * (files.length - 1));
    const byCode = result.failedSlices.filter((f) => f.reasonCode === 'PACS_E_NOT_AN_IMAGE');
    expect(byCode.map((f) => f.sopInstanceUid).sort()).toEqual([sr, plan].sort());
    expect(byCode.find((f) => f.sopInstanceUid === plan)!.reason).toBe(
      'no image object: RTPlanStorage (1.2.840.10008.5.1.4.1.1.481.5) carries no pixel data; stored, not processed',
    );
    expect(processingFailuresOfJob(db, j.job.id)).toHaveLength(3); // SR, RT Plan, the corrupt slice: once each
  });

  it('a series with no image objects ends with nothing derived and a reason per object, not an error', async () => {
    db.prepare("UPDATE instances SET status = 'replaced' WHERE series_uid = ?").run(seriesUid);
    const sops = [await storeNonImage('test-SR.dcm', 1), await storeNonImage('waveform_ecg.dcm', 2)];
    const j = job('mf-sc-rgb');
    const result = await run(j);
    expect(result.derived).toEqual([]);
    expect(result.failedSlices.map((f) => [f.sopInstanceUid, f.reasonCode])).toEqual(sops.map((s) => [s, 'PACS_E_NOT_AN_IMAGE']));
    expect(result.failedSlices[1]!.reason).toMatch(/^no image object: TwelveLeadECGWaveformStorage/);
    expect(JSON.parse(getJob(db, j.job.id)!.failed_slices_json!)).toEqual(result.failedSlices);
  });

  it('a non-image object beside images that all fail still fails the job, with the images\' reasons', async () => {
    db.prepare("UPDATE instances SET status = 'replaced' WHERE sop_instance_uid != ?").run(corruptSop);
    await storeNonImage('test-SR.dcm', 1);
    const err = await run(job('sc-rgb')).catch((e: unknown) => e);
    expect((err as ConformanceError).code).toBe('PACS_E_SERIES_NOT_PROCESSABLE');
    expect((err as Error).message).toMatch(/none of the 1 image objects of the 2 source instances could be processed: .*RLE/);
    expect((err as Error).message).not.toMatch(/no image object/);
  });
});

describe('runSeriesPipeline: output kinds', () => {
  it('mf-sc-rgb builds one object per window from the good slices in source order, one provenance row per slice', async () => {
    const j = job('mf-sc-rgb');
    const result = await run(j);
    expect(result.derived).toHaveLength(1);
    const ds = readPart10(readFileSync(result.derived[0]!.path)).dataset;
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7.4');
    expect(ds.NumberOfFrames).toBe(files.length - 1);
    const expectedOrder = listBySeries(db, seriesUid).map((i) => i.sopInstanceUid).filter((s) => s !== corruptSop);
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Dataset[];
    const frameSources = perFrame.map((f) => (((f.DerivationImageSequence as Dataset[])[0]!.SourceImageSequence as Dataset[])[0]!.ReferencedSOPInstanceUID));
    expect(frameSources).toEqual(expectedOrder);
    const rows = derivationsOfJob(db, j.job.id);
    expect(rows.map((r) => [r.source_sop_instance_uid, r.derived_frame_number])).toEqual(expectedOrder.map((s, i) => [s, i + 1]));
    expect(new Set(rows.map((r) => r.derived_sop_instance_uid))).toEqual(new Set([result.derived[0]!.sopInstanceUid]));

    // Deterministic: a re-run writes the same object UID and replaces the provenance rows.
    const again = await run(job('mf-sc-rgb'));
    expect(again.derived[0]!.sopInstanceUid).toBe(result.derived[0]!.sopInstanceUid);
  });

  it('mf-sc-rgb makes one object per slice size when a series mixes sizes (a localizer of another size)', async () => {
    const source = readPart10(readFileSync(files[0]!)).dataset;
    const small = phantomSliceDataset(createPhantomSeries({ slices: 1, rows: 8, columns: 8, seed: 3 }), 0);
    Object.assign(small, {
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      FrameOfReferenceUID: source.FrameOfReferenceUID,
      PatientID: source.PatientID,
      PatientName: source.PatientName,
      InstanceNumber: 99,
    });
    const receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels) });
    expect((await receiver.ingest({ bytes: writePart10(small), callingAe: 'SCU', calledAe: 'UNIMIE' })).outcome).toBe('stored');
    const result = await run(job('mf-sc-rgb'));
    expect(result.derived).toHaveLength(2);
    const [big, little] = result.derived.map((d) => readPart10(readFileSync(d.path)).dataset);
    expect([big!.Rows, big!.NumberOfFrames, big!.InstanceNumber]).toEqual([source.Rows, files.length - 1, 1]);
    expect([little!.Rows, little!.NumberOfFrames, little!.InstanceNumber]).toEqual([8, 1, 2]);
    expect(new Set(result.derived.map((d) => d.sopInstanceUid)).size).toBe(2);
    expect(result.derived.map((d) => d.seriesUid)).toEqual([result.derivedSeriesUids[0], result.derivedSeriesUids[0]]);
  });

  it('derived-grayscale keeps CT Image Storage; vl-endoscopic refuses a CT series with a clear error', async () => {
    const gray = await run(job('derived-grayscale'));
    expect(gray.derived.map((d) => d.sopClassUid)).toEqual(Array(files.length - 1).fill('1.2.840.10008.5.1.4.1.1.2'));
    const ct = readPart10(readFileSync(gray.derived[0]!.path)).dataset;
    expect(ct.DerivationDescription).toMatch(/window soft-tissue \(C 40 W 400\).*values are not HU/);
    expect([ct.RescaleType, Number(ct.WindowCenter), Number(ct.WindowWidth)]).toEqual(['US', 40, 400]);
    const err = await run(job('vl-endoscopic')).catch((e: unknown) => e);
    expect((err as ConformanceError).code).toBe('PACS_E_DERIVE_KIND_UNSUPPORTED');
    expect((err as Error).message).toMatch(/VL Endoscopic Image sources.*sc-rgb/);
  });
});
