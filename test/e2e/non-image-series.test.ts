import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { storescu } from '../helpers/dcmtk.js';
import { readPart10, writePart10, type Dataset } from '../../src/dicom/part10.js';
import { listJobs } from '../../src/provenance/jobs.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import type { FailedSlice } from '../../src/pipeline/slice-failures.js';
import type { RunningNode } from '../../src/app/node.js';
import { EMBEDDED_MANIFEST, removeDir, SAMPLES, startTestNode, waitForIdle, writeFolderNodeYaml } from './node-harness.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');

/**
 * Objects that are no images, sent with DCMTK storescu to a node whose rule processes everything:
 * a series of an SR, an RT Plan and a 12-lead ECG ends `done` with nothing derived and the reason
 * per object; a CT series with an SR in it derives the CT image and lists the SR.
 */
describe('non-image objects under a processing rule (storescu → node)', () => {
  let dir: string;
  let node: RunningNode | undefined;

  afterAll(async () => {
    await node?.stop();
    if (dir) removeDir(dir);
  });

  /** A pydicom object moved into the given series (as a PACS with mixed series would hold it). */
  const moved = (file: string, into: { study: string; series: string }, sop: string): string => {
    const ds: Dataset = { ...readPart10(readFileSync(file)).dataset, StudyInstanceUID: into.study, SeriesInstanceUID: into.series, SOPInstanceUID: sop };
    const path = join(dir, `${sop}.dcm`);
    writeFileSync(path, writePart10(ds));
    return path;
  };

  it('a series of no image objects ends done with the reasons; a mixed series derives its image', async () => {
    if (!existsSync(EMBEDDED_MANIFEST)) throw new Error(`the shipped model is missing: ${EMBEDDED_MANIFEST}`);
    dir = mkdtempSync(join(tmpdir(), 'non-image-e2e-'));
    const port = await freePort();
    writeFolderNodeYaml(dir, { port, presets: { fast: '{ model: embedded, steps: 4, seed: 7 }' } });
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: everything
    match: { modality: { regex: "^(CT|SR|RTPLAN|ECG)$" } }
    completion: { quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: none, destinations: [out] }
  - name: default
    default: true
    actions: { drop: true }
`,
    );
    node = await startTestNode(dir);

    const nonImage = { study: '2.25.8100', series: '2.25.8101' };
    const nonImageFiles = [
      moved(join(PYDICOM, 'test-SR.dcm'), nonImage, '2.25.8102'),
      moved(join(PYDICOM, 'rtplan.dcm'), nonImage, '2.25.8103'),
      moved(join(PYDICOM, 'waveform_ecg.dcm'), nonImage, '2.25.8104'),
    ];
    const ctFile = join(SAMPLES, 'ct-small', 'CT_small.dcm');
    const ct = readPart10(readFileSync(ctFile)).dataset;
    const mixed = { study: String(ct.StudyInstanceUID), series: String(ct.SeriesInstanceUID) };
    const srInCt = moved(join(PYDICOM, 'reportsi.dcm'), mixed, '2.25.8105');

    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, nonImageFiles)).rc).toBe(0);
    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [ctFile, srInCt])).rc).toBe(0);
    await waitForIdle(node, 120_000);

    const jobs = listJobs(node.db).filter((j) => j.kind === 'series');
    const jobOf = (series: string) => jobs.find((j) => j.series_uid === series)!;
    const slices = (series: string) => JSON.parse(jobOf(series).failed_slices_json ?? '[]') as FailedSlice[];

    expect(jobOf(nonImage.series)).toMatchObject({ state: 'done', last_error: null });
    expect(slices(nonImage.series).map((f) => [f.sopInstanceUid, f.reasonCode]).sort()).toEqual([
      ['2.25.8102', 'PACS_E_NOT_AN_IMAGE'],
      ['2.25.8103', 'PACS_E_NOT_AN_IMAGE'],
      ['2.25.8104', 'PACS_E_NOT_AN_IMAGE'],
    ]);
    expect(slices(nonImage.series).map((f) => f.reason).sort()).toEqual([
      'no image object: ComprehensiveSRStorage (1.2.840.10008.5.1.4.1.1.88.33) carries no pixel data; stored, not processed',
      'no image object: RTPlanStorage (1.2.840.10008.5.1.4.1.1.481.5) carries no pixel data; stored, not processed',
      'no image object: TwelveLeadECGWaveformStorage (1.2.840.10008.5.1.4.1.1.9.1.1) carries no pixel data; stored, not processed',
    ]);
    expect(listDerivedSeriesBySource(node.db, nonImage.series)).toEqual([]);

    expect(jobOf(mixed.series)).toMatchObject({ state: 'done', last_error: null });
    expect(slices(mixed.series)).toEqual([
      { sopInstanceUid: '2.25.8105', reasonCode: 'PACS_E_NOT_AN_IMAGE', reason: expect.stringMatching(/^no image object: BasicTextSRStorage/) },
    ]);
    expect(listDerivedSeriesBySource(node.db, mixed.series)).toHaveLength(1);
  });
});
