import { describe, expect, it } from 'vitest';
import type { AppliedProcessing } from '../enhance/applied-processing.js';
import { collectSliceResults, type JobReport } from './flow-results.js';
import { encodeImage, PAYLOAD_VERSION } from './payload-codec.js';

const applied: AppliedProcessing = {
  estimator: 'network',
  networkEvaluationsPerPatch: 3,
  startTimestep: 222,
  anchoredStart: true,
  patchSize: 128,
  stride: 64,
  patchesPerImage: 9,
  classical: ['contrast-stretch'],
};
const producer = (worker: string, attempts: number) => ({ worker, host: 'h', device: 'cpu', attempts });
const slice = (image: Parameters<typeof encodeImage>[0], quality?: Record<string, number>) => ({
  image: encodeImage(image),
  backgroundProtected: false,
  applied,
  timings: { totalMs: 5 },
  ...(quality ? { quality } : {}),
});

describe('collectSliceResults', () => {
  it('puts the slices in batch order whatever order the results are keyed in, grey as RGB', () => {
    const values = {
      'bull:q:B.1': { v: PAYLOAD_VERSION, producer: producer('w2', 2), queuedMs: 30, slices: [slice({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }, { ssim: 0.9 })] },
      'bull:q:B.0': {
        v: PAYLOAD_VERSION,
        producer: producer('w1', 1),
        queuedMs: 10,
        slices: [slice({ width: 1, height: 1, gray: Uint8Array.from([7]) }), slice({ width: 1, height: 1, gray: Uint8Array.from([8]) })],
      },
    };
    const reports: JobReport[] = [];
    const out = collectSliceResults(values, [{ count: 2 }, { count: 1 }], ['B.0', 'B.1'], (r) => reports.push(r));
    expect(out.map((s) => [...s.image.data])).toEqual([[7, 7, 7], [8, 8, 8], [1, 2, 3]]);
    expect(out.map((s) => s.producer?.worker)).toEqual(['w1', 'w1', 'w2']);
    expect(out[0]!.timings).toEqual({ totalMs: 5, queuedMs: 10 });
    expect(out[0]!.quality).toBeUndefined();
    expect(out[2]!.quality).toEqual({ ssim: 0.9 });
    expect(reports).toEqual([{ slices: 2, queuedMs: 10, attempts: 1 }, { slices: 1, queuedMs: 30, attempts: 2 }]);
  });

  it('refuses a batch with a job that left no result', () => {
    expect(() => collectSliceResults({}, [{ count: 1 }], ['B.0'])).toThrow(/slice job B.0 completed without a result/);
  });
});
