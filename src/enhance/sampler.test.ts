import { describe, expect, it } from 'vitest';
import { CancelledError, ModelContractError } from '../shared/errors.js';
import { posteriorMean, predictX0FromEps } from './posterior.js';
import { respaceSchedule, spaceTimesteps } from './respacing.js';
import { sampleSlices, type PredictFn, type SamplerOptions, type SliceInput } from './sampler.js';
import { planRun, stepsBelow } from './run-plan.js';
import { DEFAULT_PRESET, PAPER_PRESET } from './preset.js';
import { createRng } from './rng.js';
import { fixedLogVariance, linearBetas } from './schedule.js';
import { accumulatePatch, cropPatch, overlapCounts, patchCorners } from './tiling.js';

const schedule = respaceSchedule(linearBetas(1000), spaceTimesteps(1000, 5));

/** A fake ε network that depends on the position inside the patch, so overlaps disagree. */
const fakePredict =
  (channels: 3 | 6 = 3): PredictFn =>
  async (batch, n, h, w) => {
    const pp = h * w;
    const out = new Float32Array(n * channels * pp);
    for (let j = 0; j < n; j++) {
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < pp; i++) {
          const x = batch[j * 3 * pp + (c % 3) * pp + i]!;
          out[(j * channels + c) * pp + i] = c < 3 ? 0.4 * x + 0.05 * Math.sin(i % 97) : Math.tanh(x);
        }
      }
    }
    return out;
  };

function slice(H: number, W: number, seed: number): SliceInput {
  const rng = createRng(seed);
  const y = new Float32Array(3 * H * W).map(() => rng.uniform() * 2 - 1);
  const x = new Float32Array(3 * H * W);
  rng.fillNormal(x);
  const M = new Float32Array(H * W).map(() => rng.uniform() / 1e4);
  return {
    y,
    x,
    height: H,
    width: W,
    f: rng.normal() / 100,
    M,
    exposureTarget: 0.4,
    noise: (step, out) => createRng(seed + 1000, step).fillNormal(out),
  };
}

function options(over: Partial<SamplerOptions> = {}): SamplerOptions {
  return {
    schedule,
    startStep: schedule.length - 1,
    outputChannels: 3,
    variance: 'fixed_small',
    guidance: { scale: 1e5, exposureWeight: 0.01 },
    nApply: 2,
    guidanceTarget: 'x0',
    patchSize: 32,
    stride: 16,
    batchSize: 4,
    predict: fakePredict(),
    ...over,
  };
}

describe('sampler', () => {
  it('gives identical results for batched and per-patch model calls (§8.6), and across slices in one batch', async () => {
    const a = await sampleSlices([slice(48, 64, 1)], options({ batchSize: 1 }));
    const b = await sampleSlices([slice(48, 64, 1)], options({ batchSize: 16 }));
    expect(Buffer.from(a.results[0]!.x.buffer).equals(Buffer.from(b.results[0]!.x.buffer))).toBe(true);
    const both = await sampleSlices([slice(48, 64, 1), slice(32, 40, 2)], options({ batchSize: 7 }));
    const single2 = await sampleSlices([slice(32, 40, 2)], options());
    expect(Buffer.from(both.results[0]!.x.buffer).equals(Buffer.from(a.results[0]!.x.buffer))).toBe(true);
    expect(Buffer.from(both.results[1]!.x.buffer).equals(Buffer.from(single2.results[0]!.x.buffer))).toBe(true);
    expect(both.timings.modelCalls).toBeLessThan(a.timings.modelCalls + single2.timings.modelCalls);
  });

  it('with no clamp and s = 0, averaging μ_i equals μ from the overlap-averaged ε (§8.7)', async () => {
    const H = 48;
    const W = 64;
    const s = slice(H, W, 3);
    const res = await sampleSlices([s], options({ startStep: 0, clampX0: false, guidance: { scale: 0, exposureWeight: 0.01 } }));
    const corners = patchCorners(H, W, 32, 16);
    const count = overlapCounts(H, W, 32, corners);
    const acc = new Float64Array(3 * H * W);
    const patch = new Float32Array(3 * 32 * 32);
    for (const c of corners) {
      cropPatch(s.x, 3, H, W, c.y, c.x, 32, patch);
      const eps = await fakePredict()(patch, 1, 32, 32, [0]);
      accumulatePatch(acc, 3, H, W, c.y, c.x, 32, eps, c.weight);
    }
    const epsBar = acc.map((v, i) => v / count[i % (H * W)]!);
    const x0 = new Float64Array(3 * H * W);
    predictX0FromEps(schedule, 0, s.x, epsBar, x0, false);
    const mu = new Float64Array(3 * H * W);
    posteriorMean(schedule, 0, x0, s.x, mu);
    mu.forEach((v, i) => expect(Math.abs(v - res.results[0]!.x[i]!)).toBeLessThan(1e-5));
  });

  it('with s = 0 on a 256² image equals plain untiled ancestral sampling (§8.8); t = 0 adds no noise (§8.11)', async () => {
    const s = slice(256, 256, 4);
    const noiseSteps: number[] = [];
    const traced: SliceInput = { ...s, noise: (k, out) => (noiseSteps.push(k), s.noise(k, out)) };
    const res = await sampleSlices([traced], options({ patchSize: 256, stride: 128, guidance: { scale: 0, exposureWeight: 0.01 } }));
    expect(noiseSteps).toEqual([4, 3, 2, 1]);
    let x = Float32Array.from(s.x);
    for (let k = schedule.length - 1; k >= 0; k--) {
      const eps = await fakePredict()(x, 1, 256, 256, [schedule.timestepMap[k]!]);
      const x0 = new Float32Array(x.length);
      predictX0FromEps(schedule, k, x, eps, x0);
      const mu = new Float32Array(x.length);
      posteriorMean(schedule, k, x0, x, mu);
      if (k > 0) {
        const xi = new Float32Array(x.length);
        s.noise(k, xi);
        const sd = Math.exp(0.5 * fixedLogVariance(schedule, 'fixed_small', k));
        x = mu.map((m, i) => m + sd * xi[i]!);
      } else x = mu;
    }
    res.results[0]!.x.forEach((v, i) => expect(Math.abs(v - x[i]!)).toBeLessThan(1e-5));
  });

  it('guidance changes the result and pulls towards the exposure target', async () => {
    const plain = await sampleSlices([slice(32, 32, 5)], options({ guidance: { scale: 0, exposureWeight: 0 } }));
    const guided = await sampleSlices([{ ...slice(32, 32, 5), exposureTarget: 0.9 }], options({ guidance: { scale: 1e6, exposureWeight: 0.01 } }));
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(guided.results[0]!.x)).toBeGreaterThan(mean(plain.results[0]!.x) + 0.05);
  });

  it('keeps a large data-term scale stable with dataStepLimit', async () => {
    const start = { ...slice(32, 32, 10), f: 1, exposureTarget: Number.NaN };
    const big = { scale: 1e7, exposureWeight: 0 };
    const wild = await sampleSlices([start], options({ guidance: big }));
    const tame = await sampleSlices([start], options({ guidance: big, dataStepLimit: 0.5 }));
    const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs(wild.results[0]!.x)).toBeGreaterThan(100);
    expect(maxAbs(tame.results[0]!.x)).toBeLessThan(5);
  });

  it('plans the run: anchored start step, respacing-scaled s, the twin without learned variance', () => {
    const respaced = { ...DEFAULT_PRESET, model: 'm', steps: 10, startStep: 300, stepPlacement: 'respaced' as const };
    const plan = planRun(respaced, linearBetas(1000), 3);
    expect(plan.schedule.timestepMap[plan.startStep]).toBe(222); // last kept step ≤ 300
    expect(plan.guidanceScale).toBe(1e5 * 10); // ×min(1000/10, cap 10)
    expect(plan.variance).toBe('fixed_small');
    expect(planRun({ ...PAPER_PRESET, model: 'm' }, linearBetas(1000), 6).guidanceScale).toBe(1e5);
    expect(planRun({ ...PAPER_PRESET, model: 'm' }, linearBetas(1000), 6).variance).toBe('learned');
    expect(planRun({ ...PAPER_PRESET, model: 'm' }, linearBetas(1000), 6, { networkFree: true }).variance).toBe('fixed_small');
    expect(() => planRun({ ...DEFAULT_PRESET, model: 'm', steps: 2000 }, linearBetas(1000), 3)).toThrow(RangeError);
  });

  it('places the steps of a below-start run evenly from the (resolved) anchor to 0', () => {
    expect(stepsBelow(120, 3)).toEqual([0, 60, 120]);
    expect(stepsBelow(80, 1)).toEqual([80]);
    const preset = { ...DEFAULT_PRESET, model: 'm', steps: 4, startStep: 300, stepPlacement: 'below-start' as const };
    const plan = planRun(preset, linearBetas(1000), 3, { anchor: 90 });
    expect(Array.from(plan.schedule.timestepMap)).toEqual([0, 30, 60, 90]);
    expect(plan.startStep).toBe(3);
    expect(Array.from(planRun(preset, linearBetas(1000), 3).schedule.timestepMap)).toEqual([0, 100, 200, 300]);
  });

  it('runs learned variance from the model\'s v channels and refuses it for ε-only models', async () => {
    const r = await sampleSlices([slice(32, 32, 6)], options({ outputChannels: 6, variance: 'learned', predict: fakePredict(6) }));
    expect(r.results[0]!.x.every(Number.isFinite)).toBe(true);
    await expect(sampleSlices([slice(32, 32, 6)], options({ variance: 'learned' }))).rejects.toBeInstanceOf(ModelContractError);
  });

  it('fails clearly on NaN or a wrong-sized model output', async () => {
    const nan: PredictFn = async (_b, n, h, w) => new Float32Array(n * 3 * h * w).fill(Number.NaN);
    await expect(sampleSlices([slice(32, 32, 7)], options({ predict: nan }))).rejects.toThrow(/NaN/);
    const short: PredictFn = async () => new Float32Array(5);
    await expect(sampleSlices([slice(32, 32, 7)], options({ predict: short }))).rejects.toBeInstanceOf(ModelContractError);
  });

  it('reports progress with an ETA and stops with CancelledError when aborted', async () => {
    const seen: Array<{ step: number; total: number }> = [];
    await sampleSlices([slice(32, 32, 8)], options({ onProgress: (p) => seen.push({ step: p.step, total: p.total }) }));
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((p) => p.total === 5)).toBe(true);
    const ctl = new AbortController();
    let calls = 0;
    const counting: PredictFn = async (b, n, h, w, t) => (calls++, fakePredict()(b, n, h, w, t));
    const run = sampleSlices([slice(64, 64, 8)], options({ signal: ctl.signal, predict: counting, onProgress: () => ctl.abort() }));
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBeLessThan(2 * 9);
  });

  it('refuses images smaller than a patch', async () => {
    await expect(sampleSlices([slice(16, 64, 9)], options())).rejects.toThrow(RangeError);
  });
});

describe('network-free twin', () => {
  it('never calls the network, takes x̂0 from the fixed estimate and still guides and averages', async () => {
    let calls = 0;
    const counting: PredictFn = async (b, n, h, w, t) => (calls++, fakePredict()(b, n, h, w, t));
    const base = slice(48, 64, 11);
    const fixedX0 = Float32Array.from(base.y);
    const guided = await sampleSlices([{ ...base, fixedX0 }], options({ predict: counting, networkFree: true }));
    expect(calls).toBe(0);
    expect(guided.timings.modelCalls).toBe(0);
    // Unguided, the last step returns x̂0 itself: the fixed estimate, clamped.
    const plain = await sampleSlices([{ ...base, fixedX0 }], options({ predict: counting, networkFree: true, guidance: { scale: 0, exposureWeight: 0 } }));
    for (let i = 0; i < fixedX0.length; i += 101) expect(plain.results[0]!.x[i]!).toBeCloseTo(Math.max(-1, Math.min(1, fixedX0[i]!)), 5);
    expect(guided.results[0]!.x.some((v, i) => Math.abs(v - plain.results[0]!.x[i]!) > 1e-3)).toBe(true);
    await expect(sampleSlices([base], options({ networkFree: true }))).rejects.toThrow(RangeError);
  });
});
