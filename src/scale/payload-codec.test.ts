import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET } from '../enhance/preset.js';
import type { AppliedProcessing } from '../enhance/applied-processing.js';
import { decodeImage, decodeSliceJob, decodeSliceResult, encodeImage, encodeSliceJob, PAYLOAD_VERSION, PayloadError, sliceGroups } from './payload-codec.js';

const gray = { width: 3, height: 2, gray: Uint8Array.from([0, 1, 2, 253, 254, 255]) };
const rgb = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
const preset = { ...DEFAULT_PRESET, model: 'embedded', seed: 7 };
const applied: AppliedProcessing = {
  estimator: 'network',
  networkEvaluationsPerPatch: 3,
  startTimestep: 222,
  anchoredStart: true,
  patchSize: 128,
  stride: 64,
  patchesPerImage: 9,
  classical: ['contrast-stretch', 'local-gamma-start', 'detail-transfer', 'background-copy'],
};

describe('payload codec', () => {
  it('round-trips grey and colour slices byte for byte, grey as one channel', () => {
    const g = encodeImage(gray);
    expect(g.channels).toBe(1);
    expect(Buffer.from(g.pixels, 'base64').length).toBe(6);
    expect(decodeImage(g)).toEqual(gray);
    const c = encodeImage(rgb);
    expect(c.channels).toBe(3);
    expect(decodeImage(c)).toEqual(rgb);
  });

  it('encodes a view of a larger buffer without its neighbours', () => {
    const big = Uint8Array.from([9, 9, 1, 2, 3, 4, 9]);
    const wire = encodeImage({ width: 2, height: 2, gray: big.subarray(2, 6) });
    expect([...Buffer.from(wire.pixels, 'base64')]).toEqual([1, 2, 3, 4]);
  });

  it('carries pixels, black levels, preset, model and stream only, and reads them back', () => {
    const job = encodeSliceJob({ modelId: 'embedded', modelSha256: 'ab'.repeat(32), preset, firstStream: 3, images: [gray, rgb], blackLevels: [0.233, 0] });
    expect(Object.keys(job).sort()).toEqual(['blackLevels', 'firstStream', 'modelId', 'modelSha256', 'preset', 'slices', 'v']);
    const back = decodeSliceJob(JSON.parse(JSON.stringify(job)));
    expect(back.images).toEqual([gray, rgb]);
    expect(back.blackLevels).toEqual([0.233, 0]);
    expect(back.firstStream).toBe(3);
    expect(back.preset).toEqual(preset);
  });

  it('refuses malformed jobs and results with a reason', () => {
    const job = encodeSliceJob({ modelId: 'embedded', modelSha256: 'x', preset, firstStream: 0, images: [gray], blackLevels: [0] });
    expect(() => decodeSliceJob({ ...job, v: 99 })).toThrow(/payload version 99/);
    expect(() => decodeSliceJob({ ...job, modelId: 'other' })).toThrow(PayloadError);
    expect(() => decodeSliceJob({ ...job, slices: [] })).toThrow(/no slices/);
    expect(() => decodeSliceJob({ ...job, slices: [{ ...job.slices[0]!, width: 4 }] })).toThrow(/6 bytes, expected 8/);
    expect(() => decodeSliceResult({ v: PAYLOAD_VERSION, producer: { worker: 'w' }, slices: [] }, 1)).toThrow(/0 slices, expected 1/);
    expect(() => decodeSliceJob({ ...job, v: 2 })).toThrow(/payload version 2, this worker reads version 3/);
    expect(() => decodeSliceJob({ ...job, blackLevels: [] })).toThrow(/black level per slice/);
    expect(() => decodeSliceJob({ ...job, blackLevels: [1.5] })).toThrow(/black level per slice/);
  });

  it('decodes a result with its producer, images and what ran on each slice', () => {
    const result = {
      v: PAYLOAD_VERSION,
      producer: { worker: 'w1', host: 'h', device: 'cpu', attempts: 2 },
      queuedMs: 12,
      slices: [{ image: encodeImage(gray), backgroundProtected: true, applied, timings: { totalMs: 5 } }],
    };
    const r = decodeSliceResult(JSON.parse(JSON.stringify(result)), 1);
    expect(r.images).toEqual([gray]);
    expect(r.producer.attempts).toBe(2);
    expect(r.queuedMs).toBe(12);
    expect(r.slices[0]!.applied).toEqual(applied);
  });

  it('refuses a result that does not say what ran (a version-1 worker, or a malformed record)', () => {
    const slice = { image: encodeImage(gray), backgroundProtected: true, applied, timings: {} };
    const result = (s: unknown) => ({ v: PAYLOAD_VERSION, producer: { worker: 'w1', host: 'h', device: 'cpu', attempts: 1 }, queuedMs: 0, slices: [s] });
    const { applied: _a, ...withoutApplied } = slice;
    expect(() => decodeSliceResult(result(withoutApplied), 1)).toThrow(/slice 0 does not say what ran/);
    expect(() => decodeSliceResult(result({ ...slice, applied: { ...applied, classical: ['magic'] } }), 1)).toThrow(PayloadError);
    expect(() => decodeSliceResult(result({ ...slice, applied: { ...applied, estimator: 'oracle' } }), 1)).toThrow(PayloadError);
    expect(() => decodeSliceResult(result({ ...slice, applied: { ...applied, networkEvaluationsPerPatch: -1 } }), 1)).toThrow(PayloadError);
  });

  it('groups slices consecutively', () => {
    expect(sliceGroups(5, 2)).toEqual([
      { first: 0, count: 2 },
      { first: 2, count: 2 },
      { first: 4, count: 1 },
    ]);
    expect(sliceGroups(0, 1)).toEqual([]);
    expect(() => sliceGroups(3, 0)).toThrow(RangeError);
  });
});
