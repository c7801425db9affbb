import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET } from '../enhance/preset.js';
import { decodeSliceJob } from './payload-codec.js';
import { queueNames, SERIES_JOB, SLICE_JOB } from './queue-names.js';
import { buildSliceFlow, KEEP_FAILED } from './slice-flow.js';

const gray = (v: number) => ({ width: 2, height: 1, gray: Uint8Array.from([v, v]) });
const model = { id: 'embedded', version: '1', sha256: 'ab'.repeat(32) };
const preset = { ...DEFAULT_PRESET, model: 'embedded', seed: 7 };
const names = queueNames('q');

describe('buildSliceFlow', () => {
  it('makes one parent for the batch and one child per slice group, each with its streams and black levels', () => {
    const { flow, groups, childIds } = buildSliceFlow(
      { batchId: 'B', images: [gray(1), gray(2), gray(3)], preset, model, firstSlice: 10, blackLevels: [0.1, 0.2] },
      names,
      { slicesPerJob: 2, attempts: 4, backoffSeconds: 1.5 },
    );
    expect(groups).toEqual([{ first: 0, count: 2 }, { first: 2, count: 1 }]);
    expect(childIds).toEqual(['B.0', 'B.1']);
    expect(flow).toMatchObject({ name: SERIES_JOB, queueName: names.series, data: { slices: 3, jobs: 2 }, opts: { jobId: 'B', removeOnFail: KEEP_FAILED } });
    expect(flow.children).toHaveLength(2);
    const [first, second] = flow.children!.map((c) => ({ ...c, job: decodeSliceJob(c.data) }));
    expect(first).toMatchObject({ name: SLICE_JOB, queueName: names.slices, opts: { jobId: 'B.0', attempts: 4, backoff: { type: 'fixed', delay: 1500 }, failParentOnFailure: true } });
    expect(first!.job).toMatchObject({ modelId: 'embedded', modelSha256: model.sha256, firstStream: 10, blackLevels: [0.1, 0.2], images: [gray(1), gray(2)] });
    // Past the given black levels: 0.
    expect(second!.job).toMatchObject({ firstStream: 12, blackLevels: [0], images: [gray(3)] });
  });
});
