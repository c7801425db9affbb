import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStoredSeries, storeSeries, type StoredSeries } from '../../test/helpers/stored-series.js';
import { silentLogger } from '../shared/log.js';
import { ModelContractError } from '../shared/errors.js';
import type { Db } from '../provenance/database.js';
import { cancelJob, createJob, getJob } from '../provenance/jobs.js';
import { countDeliveriesByState, enqueueDelivery } from '../provenance/deliveries.js';
import type { Spool } from '../spool/spool.js';
import { JobRunner } from './job-runner.js';
import { createDerivedObjectBuilder, createSliceRenderer } from './stage-adapters.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { AppliedProcessing } from '../enhance/applied-processing.js';
import type { LoadedConfig } from '../config/load.js';

const CT5N = resolve(import.meta.dirname, '../../sample-studies/ct5n');
const config = { windows: {} } as unknown as LoadedConfig;
const action = { windows: ['soft-tissue'], enhance: 'p', output: 'sc-rgb', destinations: ['out'] };

let stored: StoredSeries;
let db: Db;
let spool: Spool;
let seriesUid: string;
let studyUid: string;

beforeEach(async () => {
  stored = await storeSeries('runner', readdirSync(CT5N).map((f) => join(CT5N, f)), ['1.2.840.10008.1.2.1']);
  ({ db, spool, seriesUid, studyUid } = stored);
});

afterEach(() => removeStoredSeries(stored));

const APPLIED: AppliedProcessing = {
  estimator: 'network',
  networkEvaluationsPerPatch: 3,
  startTimestep: 222,
  anchoredStart: true,
  patchSize: 64,
  stride: 32,
  patchesPerImage: 1,
  classical: ['background-copy'],
};

function enhancer(run: SliceEnhancer['enhance']): SliceEnhancer {
  return {
    models: () => [],
    describe: () => ({ preset: 'p', modelId: 'm', modelVersion: '1', modelSha256: 'a'.repeat(64), steps: 3, seed: 1, params: {} }),
    enhance: run,
  };
}

function runner(e: SliceEnhancer, deliver: (job: unknown, derived: unknown[]) => void = () => undefined): JobRunner {
  return new JobRunner({
    db,
    log: silentLogger,
    pipeline: { db, spool, renderer: createSliceRenderer(() => config), enhancer: e, builder: createDerivedObjectBuilder('UNIMIE'), log: silentLogger },
    deliver: (job, _a, derived) => {
      deliver(job, derived);
      for (const d of derived) enqueueDelivery(db, { destination: 'out', sopInstanceUid: d.sopInstanceUid, sopClassUid: d.sopClassUid, transferSyntaxUid: d.transferSyntaxUid, seriesUid: d.seriesUid, path: d.path, jobId: job.id }, Date.now());
    },
  });
}

describe('JobRunner', () => {
  it('a cancelled job exports nothing, not even the slices already written', async () => {
    let calls = 0;
    const r = runner(
      enhancer(async (images, _p, { signal }) => {
        calls++;
        if (calls === 1) return images.map((image) => ({ image, backgroundProtected: false, applied: APPLIED, timings: {} }));
        // Second batch: wait until the job is cancelled.
        await new Promise<void>((res) => signal.addEventListener('abort', () => res(), { once: true }));
        throw new Error('aborted');
      }),
    );
    const job = createJob(db, { seriesUid, studyUid, ruleName: 'ct', action });
    const run = r.drain();
    await new Promise((res) => setTimeout(res, 300));
    expect(cancelJob(db, job.id)).toBe(true);
    r.cancel(job.id);
    await run;
    expect(getJob(db, job.id)?.state).toBe('cancelled');
    expect(countDeliveriesByState(db).pending).toBe(0);
  });

  it('a model producing NaN fails the job with the reason and the runner goes on', async () => {
    const r = runner(
      enhancer(async () => {
        throw new ModelContractError('model output contains NaN at step 2');
      }),
    );
    const bad = createJob(db, { seriesUid, studyUid, ruleName: 'ct', action });
    const good = createJob(db, { seriesUid, studyUid, ruleName: 'other', action: { ...action, enhance: 'none' } });
    expect(await r.drain()).toBe(2);
    expect(getJob(db, bad.id)?.state).toBe('dead');
    expect(getJob(db, bad.id)?.last_error).toContain('NaN');
    expect(getJob(db, good.id)?.state).toBe('done');
    expect(countDeliveriesByState(db).pending).toBe(5);
  });

  it('a complete series is delivered once, all slices together', async () => {
    const delivered: number[] = [];
    const r = runner(enhancer(async (images) => images.map((image) => ({ image, backgroundProtected: true, applied: APPLIED, timings: {} }))), (_job, derived) => void delivered.push(derived.length));
    createJob(db, { seriesUid, studyUid, ruleName: 'ct', action });
    await r.drain();
    expect(delivered).toEqual([5]);
  });
});
