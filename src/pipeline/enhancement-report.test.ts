import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStoredSeries, storeSeries, type StoredSeries } from '../../test/helpers/stored-series.js';
import { APPLIED, SHA } from '../../test/helpers/what-ran.js';
import type { LoadedConfig } from '../config/load.js';
import { BASIC_TEXT_SR_STORAGE } from '../derive/enhancement-report-sr.js';
import { readPart10, type Dataset } from '../dicom/part10.js';
import type { Db } from '../provenance/database.js';
import { getDerivedSeries, isDerivedSeries } from '../provenance/derived-series.js';
import { createJob } from '../provenance/jobs.js';
import { derivationsOfSeries } from '../provenance/derivations.js';
import { derivedFilesOf } from '../provenance/retention.js';
import { silentLogger } from '../shared/log.js';
import type { Spool } from '../spool/spool.js';
import { REPORT_OUTPUT_KIND } from './enhancement-report.js';
import { runSeriesPipeline } from './series-pipeline.js';
import { createDerivedObjectBuilder, createSliceRenderer } from './stage-adapters.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { SeriesAction } from './stages.js';

const CT5N = resolve(import.meta.dirname, '../../sample-studies/ct5n');
const config = { windows: {} } as unknown as LoadedConfig;
const files = readdirSync(CT5N).sort().map((f) => join(CT5N, f));

/** Returns the rendered pixels, says what ran and what it measured, as the engine does. */
const enhancer: SliceEnhancer = {
  models: () => [],
  describe: (preset) => ({ preset, modelId: 'embedded', modelVersion: '1.0', modelSha256: SHA, steps: 10, seed: 7, params: { steps: 10 } }),
  enhance: async (images) =>
    images.map((image, i) => ({
      image,
      backgroundProtected: true,
      applied: { ...APPLIED, classical: ['contrast-stretch'] },
      timings: {},
      quality: { entropyIn: 4 + i, entropyOut: 5 + i, lightnessOrderError: 0.01 },
    })),
};

let stored: StoredSeries;
let db: Db;
let spool: Spool;
let seriesUid: string;
let studyUid: string;

beforeEach(async () => {
  stored = await storeSeries('report', files);
  ({ db, spool, seriesUid, studyUid } = stored);
});

afterEach(() => removeStoredSeries(stored));

async function derive(action: SeriesAction) {
  const job = createJob(db, { seriesUid, studyUid, ruleName: 'r', action });
  return runSeriesPipeline(
    job,
    action,
    { db, spool, renderer: createSliceRenderer(() => config), enhancer, builder: createDerivedObjectBuilder('UNIMIE'), log: silentLogger },
    new AbortController().signal,
  );
}

const sections = (ds: Dataset) => (ds.ContentSequence as Dataset[]).filter((i) => i.ValueType === 'CONTAINER');
const valueOf = (items: Dataset[], meaning: string) =>
  items.find((i) => (i.ConceptNameCodeSequence as Dataset[])[0]!.CodeMeaning === meaning) as Dataset | undefined;

describe('rule action report: true', () => {
  it('adds one Basic Text SR after the derived series: same study, own registered series, one section per derived series', async () => {
    const result = await derive({ windows: ['soft-tissue', 'bone'], enhance: 'weak', output: 'sc-rgb', destinations: ['out'], report: true });
    expect(result.derived).toHaveLength(2 * files.length + 1);
    const report = result.derived.at(-1)!;
    expect(report.sopClassUid).toBe(BASIC_TEXT_SR_STORAGE);
    expect(result.derivedSeriesUids).not.toContain(report.seriesUid);
    expect(isDerivedSeries(db, report.seriesUid)).toBe(true);
    expect(getDerivedSeries(db, report.seriesUid)?.outputKind).toBe(REPORT_OUTPUT_KIND);
    // Provenance: one row per reported source image; retention finds the file through them.
    const rows = derivationsOfSeries(db, report.seriesUid);
    expect(rows).toHaveLength(files.length);
    expect(rows.every((r) => r.derived_sop_instance_uid === report.sopInstanceUid && r.model_sha256 === SHA && r.seed === 7)).toBe(true);
    expect(derivedFilesOf(db, report.seriesUid)).toEqual([report.path]);

    const ds = readPart10(readFileSync(report.path)).dataset;
    expect([ds.StudyInstanceUID, ds.Modality, ds.VerificationFlag]).toEqual([studyUid, 'SR', 'UNVERIFIED']);
    const [soft, bone] = sections(ds).map((s) => s.ContentSequence as Dataset[]);
    expect(valueOf(soft!, 'Series Instance UID')!.UID).toBe(result.derivedSeriesUids[0]);
    expect(valueOf(bone!, 'Series Instance UID')!.UID).toBe(result.derivedSeriesUids[1]);
    expect(valueOf(soft!, 'Source series for image processing operation')!.UID).toBe(seriesUid);
    expect(valueOf(soft!, 'Display window')!.TextValue).toBe('soft-tissue');
    expect(valueOf(soft!, 'Series description')!.TextValue).toBe(getDerivedSeries(db, result.derivedSeriesUids[0]!)?.description);
    expect(valueOf(soft!, 'Model SHA-256')!.TextValue).toBe(SHA);
    expect(valueOf(soft!, 'Random seed')!.TextValue).toBe('7');
    expect(valueOf(soft!, 'Network evaluations per patch')!.TextValue).toBe(String(APPLIED.networkEvaluationsPerPatch));
    expect(valueOf(soft!, 'Classical processing step')!.ConceptCodeSequence).toEqual([expect.objectContaining({ CodeMeaning: 'Percentile contrast stretch' })]);
    expect(String(valueOf(soft!, 'Measured before/after')!.TextValue)).toMatch(new RegExp(`^mean over ${files.length} image\\(s\\): entropy: before \\d`));

    // Evidence: every source image and every derived object, in the one study.
    const evidence = (ds.CurrentRequestedProcedureEvidenceSequence as Dataset[])[0]!;
    const refs = (evidence.ReferencedSeriesSequence as Dataset[]).flatMap((s) => s.ReferencedSOPSequence as Dataset[]);
    expect(refs).toHaveLength(3 * files.length);
  });

  it('the same job again gives the same report UIDs; no report without report: true', async () => {
    const action: SeriesAction = { windows: ['soft-tissue'], enhance: 'none', output: 'sc-rgb', destinations: ['out'], report: true };
    const a = (await derive(action)).derived.at(-1)!;
    const b = (await derive(action)).derived.at(-1)!;
    expect([b.seriesUid, b.sopInstanceUid]).toEqual([a.seriesUid, a.sopInstanceUid]);
    const plain = await derive({ ...action, report: false });
    expect(plain.derived.every((d) => d.sopClassUid !== BASIC_TEXT_SR_STORAGE)).toBe(true);
  });
});
