import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStoredSeries, storeSeries, type StoredSeries } from '../../test/helpers/stored-series.js';
import { APPLIED, RECORD, SHA } from '../../test/helpers/what-ran.js';
import type { LoadedConfig } from '../config/load.js';
import { readPart10, type Dataset } from '../dicom/part10.js';
import type { AppliedProcessing } from '../enhance/applied-processing.js';
import type { ContributionRecord } from '../enhance/measured-contribution.js';
import type { Db } from '../provenance/database.js';
import { derivationsOfJob, whatRanOf } from '../provenance/derivations.js';
import { getDerivedSeries } from '../provenance/derived-series.js';
import { createJob } from '../provenance/jobs.js';
import { silentLogger } from '../shared/log.js';
import type { Spool } from '../spool/spool.js';
import { runSeriesPipeline } from './series-pipeline.js';
import { createDerivedObjectBuilder, createSliceRenderer } from './stage-adapters.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';

const CT5N = resolve(import.meta.dirname, '../../sample-studies/ct5n');
const config = { windows: {} } as unknown as LoadedConfig;
const files = readdirSync(CT5N).sort().map((f) => join(CT5N, f));

/** The first slice ran background copy only; the others also the stretch and local gamma. */
const appliedFor = (slice: number): AppliedProcessing =>
  slice === 0 ? { ...APPLIED, classical: ['background-copy'] } : { ...APPLIED, classical: ['contrast-stretch', 'local-gamma-start', 'background-copy'] };

/** Black levels the enhancer was handed, per call. */
const blackLevelsSeen: Array<readonly number[] | undefined> = [];

/** An enhancer that returns the rendered pixels and says what ran, as the engine does. */
const enhancer: SliceEnhancer = {
  models: () => [],
  describe: (preset) => ({ preset, modelId: 'embedded', modelVersion: '1.0', modelSha256: SHA, steps: 10, seed: 7, params: { steps: 10 } }),
  enhance: async (images, _preset, opts) => {
    blackLevelsSeen.push(opts.blackLevels);
    return images.map((image, i) => ({ image, backgroundProtected: true, applied: appliedFor((opts.firstSlice ?? 0) + i), timings: {} }));
  },
};

let stored: StoredSeries;
let db: Db;
let spool: Spool;
let seriesUid: string;
let studyUid: string;

beforeEach(async () => {
  stored = await storeSeries('what-ran', files);
  ({ db, spool, seriesUid, studyUid } = stored);
});

afterEach(() => removeStoredSeries(stored));

async function derive(preset: string, output: string, record: ContributionRecord | undefined, windows = ['soft-tissue']) {
  const action = { windows, enhance: preset, output, destinations: ['out'] };
  const job = createJob(db, { seriesUid, studyUid, ruleName: output, action });
  const result = await runSeriesPipeline(
    job,
    action,
    { db, spool, renderer: createSliceRenderer(() => config), enhancer, builder: createDerivedObjectBuilder('UNIMIE'), log: silentLogger, contribution: () => record },
    new AbortController().signal,
  );
  return { job, result, datasets: result.derived.map((d) => readPart10(readFileSync(d.path)).dataset) };
}

const codes = (seq: unknown) => (seq as Dataset[] | undefined)?.map((c) => `${String(c.CodingSchemeDesignator)}:${String(c.CodeValue)}`);
const contribution = (ds: Dataset) => String((ds.ContributingEquipmentSequence as Dataset[]).at(-1)!.ContributionDescription);

describe('a derived series says what ran', () => {
  it('hands the enhancer each slice\'s black level from its rendering: CT air grey in the lung window, black in soft tissue', async () => {
    blackLevelsSeen.length = 0;
    await derive('weak', 'sc-rgb', RECORD, ['lung']);
    const lung = blackLevelsSeen.flatMap((b) => [...(b ?? [])]);
    expect(lung).toHaveLength(files.length);
    for (const b of lung) expect(b * 255).toBeCloseTo(59.5, 0);
    blackLevelsSeen.length = 0;
    await derive('weak', 'sc-rgb', RECORD);
    expect(blackLevelsSeen.flatMap((b) => [...(b ?? [])])).toEqual(Array(files.length).fill(0));
  });

  it('below the bar: one classical Series Description for the series, each image its own steps and codes, provenance with what ran', async () => {
    const { job, result, datasets } = await derive('weak', 'sc-rgb', RECORD);
    expect(datasets).toHaveLength(files.length);
    // Series Description is series-level: fixed by the first image (background copy only).
    expect(new Set(datasets.map((d) => d.SeriesDescription))).toEqual(new Set(['enhanced (classical) - soft-tissue - NOT FOR PRIMARY DIAGNOSIS']));
    expect(getDerivedSeries(db, result.derivedSeriesUids[0]!)?.description).toBe(datasets[0]!.SeriesDescription);
    const byDescription = datasets.map((d) => String(d.DerivationDescription));
    expect(byDescription.every((t) => t.includes('Classical enhancement, not UniMIE (network measured +0.21 dB'))).toBe(true);
    expect(byDescription.some((t) => t.includes('local gamma illumination correction'))).toBe(true);
    expect(byDescription.every((t) => !t.includes('UniMIE diffusion'))).toBe(true);
    expect(new Set(datasets.map((d) => codes(d.DerivationCodeSequence)?.join(',')))).toEqual(
      new Set(['DCM:113047', '99UNIMIE:STRETCH-PCTL,99UNIMIE:LOCAL-GAMMA,DCM:113047']),
    );
    expect(contribution(datasets[0]!)).toMatch(/^Classical enhancement \(background-copy\); not UniMIE/);
    const rows = derivationsOfJob(db, job.id);
    expect(rows).toHaveLength(files.length);
    expect(rows.map((r) => whatRanOf(r)?.namedUnimie)).toEqual(Array(files.length).fill(false));
    expect(whatRanOf(rows[0]!)).toMatchObject({ estimator: 'network', networkEvaluationsPerPatch: 3, startTimestep: 222, patchSize: 256, stride: 128, measurement: { set: 'heldout' } });
  });

  it('a preset that earns the name is called UniMIE, coded as Smoothing, and lands in another series than its classical label', async () => {
    const earned = await derive('strong', 'sc-rgb', RECORD);
    expect(earned.datasets[0]!.SeriesDescription).toBe('UniMIE embedded 3 NFE - soft-tissue - NOT FOR PRIMARY DIAGNOSIS');
    expect(String(earned.datasets[0]!.DerivationDescription)).toMatch(/^Rendered .* UniMIE diffusion enhancement: model embedded 1\.0 sha256:abababababababab, 3 network evaluations per patch/);
    expect(codes(earned.datasets[0]!.DerivationCodeSequence)).toEqual(['DCM:113087', '99UNIMIE:UNIMIE-PRIOR', 'DCM:113047']);
    expect(contribution(earned.datasets[0]!)).toBe('UniMIE diffusion enhancement (model embedded, 3 network evaluations per patch)');
    expect(derivationsOfJob(db, earned.job.id).every((r) => r.named_unimie === 1)).toBe(true);
    const unmeasured = await derive('strong', 'sc-rgb', undefined);
    expect(unmeasured.datasets[0]!.SeriesDescription).toBe('enhanced (classical) - soft-tissue - NOT FOR PRIMARY DIAGNOSIS');
    expect(unmeasured.result.derivedSeriesUids[0]).not.toBe(earned.result.derivedSeriesUids[0]);
  });

  it('mf-sc-rgb: the object codes every step of its frames, each frame its own', async () => {
    const { datasets } = await derive('weak', 'mf-sc-rgb', RECORD);
    const [ds] = datasets;
    expect(codes(ds!.DerivationCodeSequence)).toEqual(['DCM:113047', '99UNIMIE:STRETCH-PCTL', '99UNIMIE:LOCAL-GAMMA']);
    const perFrame = (ds!.PerFrameFunctionalGroupsSequence as Dataset[]).map((f) => codes((f.DerivationImageSequence as Dataset[])[0]!.DerivationCodeSequence)!.join(','));
    expect(perFrame[0]).toBe('DCM:113047');
    expect(perFrame.slice(1)).toEqual(Array(files.length - 1).fill('99UNIMIE:STRETCH-PCTL,99UNIMIE:LOCAL-GAMMA,DCM:113047'));
  });
});
