/**
 * The UniMIE sampling loop over whole images (unimie-algorithm.md §5): at every step each image
 * is cut into overlapping patches, every patch gets its posterior mean shifted by the closed-form
 * guidance and its own f/M update, and the per-patch results are averaged over the overlaps
 * before one noise draw for the whole image. Several images (slices of a series) run in lockstep
 * so their patches share model calls. The network is injected (`predict`), so tests use fakes.
 */
import { CancelledError, ModelContractError } from '../shared/errors.js';
import { channelGains, guidePatch, largestGain, type Gain, type GuidanceParams } from './guidance.js';
import { posteriorMean, predictX0FromEps } from './posterior.js';
import { fixedLogVariance, learnedLogVarianceCoefficients, type DiffusionSchedule, type VarianceKind } from './schedule.js';
import { accumulatePatch, cropPatch, overlapCounts, patchCorners, type PatchCorner } from './tiling.js';
import { blockTargets } from './exposure-target.js';
import { evenCallSizes, splitBySizes } from './call-sizes.js';
import type { OpenGraphFn } from './graphs/graph-session.js';
import { SliceStepGraph } from './graph-step.js';

/** The network: batch is [n,3,h,w] float32, t the original timestep per item; returns [n,C,h,w]. */
export type PredictFn = (batch: Float32Array, n: number, h: number, w: number, t: number[]) => Promise<Float32Array>;

/** Progress of a sampling run: `step` steps of `total` done. */
export interface SamplerProgress {
  step: number;
  total: number;
  /** Estimated milliseconds left, null before the first step ends. */
  etaMs: number | null;
}

/** The state of one image at the start step. */
export interface SliceInput {
  /** Guidance reference y, 3×H×W in [-1, 1] (planar). */
  y: Float32Array;
  height: number;
  width: number;
  /** x at the start step, 3×H×W. */
  x: Float32Array;
  /** Initial gain f (one, or one per channel) and H×W map M. */
  f: Gain;
  M: Float32Array;
  /** E: one number, or per pixel (H·W) in [-1, 1] with NaN where nothing is pulled. */
  exposureTarget: number | Float32Array;
  /** Standard normal noise ξ for the step that ends at `step` (> 0), 3×H×W. */
  noise: (step: number, out: Float32Array) => void;
  /**
   * Network-free runs only: the fixed x̂0 that stands in for the network at every step, 3×H×W in
   * [-1, 1] (the engine passes its own start estimate).
   */
  fixedX0?: Float32Array;
}

export interface SamplerOptions {
  schedule: DiffusionSchedule;
  /** Index k0 into the schedule of the first step run; steps k0 … 0 run. */
  startStep: number;
  /** 3 = ε, 6 = ε + variance interpolation v. */
  outputChannels: 3 | 6;
  variance: VarianceKind;
  guidance: GuidanceParams;
  /** Mean shifts per step (2 in the reference, direct.py:467). */
  nApply: number;
  /**
   * Largest fraction of the data residual ρ that one step's mean shift may remove (the shift
   * moves ρ by n_apply·s·f²/(2N)·ρ; above 1 it overshoots, above 2 it diverges). Null = no
   * limit, as in the reference.
   */
  dataStepLimit?: number | null;
  /** σ (pixels) of the low-pass applied to the data residual before it shifts the mean; 0 = per pixel. */
  residualSigma?: number;
  guidanceTarget: 'x0' | 'xt';
  patchSize: number;
  stride: number;
  batchSize: number;
  /**
   * Every model call padded to exactly this many patches (≥ the largest call); the padding's
   * outputs are discarded. Set on accelerators, where a new input shape is expensive.
   */
  callSize?: number;
  predict: PredictFn;
  /**
   * Run the per-step arithmetic (x̂0, guidance, posterior, overlap averaging, noise) as a graph
   * on the model's device (graph-step.ts) instead of in JavaScript; the JavaScript path stays the
   * reference. Network runs only (a network-free run has no device to use).
   */
  stepGraph?: OpenGraphFn;
  /**
   * The ablation twin: x̂0 of every patch is the crop of the slice's `fixedX0` and the network is
   * never called. Everything else (guidance, f/M updates, overlap averaging, noise) runs as usual.
   */
  networkFree?: boolean;
  /** Clamp x̂0 to [-1, 1] (true in the reference; false only for invariant tests). */
  clampX0?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SamplerProgress) => void;
}

export interface SliceResult {
  /** The final sample x_0, 3×H×W, unclamped. */
  x: Float32Array;
  /** The overlap-averaged x̂0 of the last step. */
  x0: Float32Array;
  f: Gain;
  M: Float32Array;
}

export interface SamplerTimings {
  totalMs: number;
  /** Wall time between handing a batch to `predict` and getting it back. */
  modelMs: number;
  modelCalls: number;
  patchEvaluations: number;
  /** Wall time inside the step graphs (0 on the JavaScript path). */
  stepGraphMs: number;
}

interface Accumulators {
  mu: Float64Array;
  x0: Float64Array;
  logVar: Float64Array | null;
  M: Float64Array;
  /** Weighted sums of the patches' gains, per channel. */
  fSum: Float64Array;
  fWeight: number;
}

interface Task {
  slice: number;
  corner: PatchCorner;
  /** Index of the corner in its slice's grid. */
  index: number;
}

/** Run the sampler on one or more images in lockstep. */
export async function sampleSlices(
  slices: readonly SliceInput[],
  opts: SamplerOptions,
): Promise<{ results: SliceResult[]; timings: SamplerTimings }> {
  const started = performance.now();
  const { schedule, patchSize: p } = opts;
  if (!Number.isInteger(opts.startStep) || opts.startStep < 0 || opts.startStep >= schedule.length) {
    throw new RangeError(`start step ${opts.startStep} outside the ${schedule.length}-step schedule`);
  }
  if (opts.batchSize < 1) throw new RangeError('batch size must be ≥ 1');
  if (slices.length === 0) return { results: [], timings: { totalMs: 0, modelMs: 0, modelCalls: 0, patchEvaluations: 0, stepGraphMs: 0 } };
  const geometry = slices.map((s) => {
    if (s.height < p || s.width < p) throw new RangeError(`image ${s.width}×${s.height} is smaller than the patch ${p}`);
    const n = 3 * s.height * s.width;
    if (s.y.length !== n || s.x.length !== n || s.M.length !== s.height * s.width) throw new RangeError('slice buffers do not match its size');
    if (opts.networkFree && s.fixedX0?.length !== n) throw new RangeError('a network-free run needs a fixed x̂0 of the slice size for every slice');
    const corners = patchCorners(s.height, s.width, p, opts.stride);
    const count = overlapCounts(s.height, s.width, p, corners);
    return { corners, count, inverseCount: count.map((c) => 1 / c) };
  });
  const state = slices.map((s) => ({ x: Float32Array.from(s.x), f: s.f as Gain, M: Float32Array.from(s.M), x0: new Float32Array(s.x.length) }));
  const tasks: Task[] = [];
  slices.forEach((_, i) => geometry[i]!.corners.forEach((corner, index) => tasks.push({ slice: i, corner, index })));
  const timings: SamplerTimings = { totalMs: 0, modelMs: 0, modelCalls: 0, patchEvaluations: 0, stepGraphMs: 0 };
  const total = opts.startStep + 1;
  const pp = p * p;
  const scratch = {
    x0: new Float32Array(3 * pp),
    mu: new Float32Array(3 * pp),
    y: new Float32Array(3 * pp),
    m: new Float32Array(pp),
    g: new Float32Array(3 * pp),
    mNext: new Float32Array(pp),
    lv: new Float32Array(3 * pp),
    xt: new Float32Array(3 * pp),
  };
  const noiseBuf = slices.map((s) => new Float32Array(3 * s.height * s.width));
  const guidanceFor = (gain: Gain): GuidanceParams => {
    const base = opts.residualSigma ? { ...opts.guidance, residualSigma: opts.residualSigma } : opts.guidance;
    const limit = opts.dataStepLimit;
    const f = largestGain(gain);
    if (limit === undefined || limit === null || f === 0) return base;
    const cap = (limit * 2 * 3 * pp) / (opts.nApply * f * f);
    return cap < base.scale ? { ...base, dataScale: cap } : base;
  };

  const useGraph = opts.stepGraph !== undefined && !opts.networkFree;
  // The step graph keeps its accumulators on the device.
  const acc: Accumulators[] = (useGraph ? [] : slices).map((s) => ({
    mu: new Float64Array(3 * s.height * s.width),
    x0: new Float64Array(3 * s.height * s.width),
    logVar: opts.variance === 'learned' ? new Float64Array(3 * s.height * s.width) : null,
    M: new Float64Array(s.height * s.width),
    fSum: new Float64Array(3),
    fWeight: 0,
  }));

  const graphs =
    opts.stepGraph && useGraph
      ? await Promise.all(
          slices.map((s, si) =>
            SliceStepGraph.open(
              opts.stepGraph!,
              s,
              {
                height: s.height,
                width: s.width,
                patch: p,
                corners: geometry[si]!.corners,
                outputChannels: opts.outputChannels,
                learnedVariance: opts.variance === 'learned',
                clampX0: opts.clampX0 ?? true,
                guidanceTarget: opts.guidanceTarget,
                residualSigma: opts.residualSigma ?? 0,
              },
              state[si]!.x,
            ),
          ),
        )
      : null;
  const epsBuf = graphs ? slices.map((_, si) => new Float32Array(geometry[si]!.corners.length * opts.outputChannels * pp)) : [];

  for (let k = opts.startStep; k >= 0; k--) {
    throwIfAborted(opts.signal);
    const t = schedule.timestepMap[k]!;
    for (const a of acc) {
      a.mu.fill(0);
      a.x0.fill(0);
      a.logVar?.fill(0);
      a.M.fill(0);
      a.fSum.fill(0);
      a.fWeight = 0;
    }
    const learned = opts.variance === 'learned' ? learnedLogVarianceCoefficients(schedule, k) : null;
    if (learned && opts.outputChannels !== 6) throw new ModelContractError('learned variance needs a model with 6 output channels (ε + v)');

    /** The guided, per-patch part of the step once x̂0 of the patch is in scratch.x0. */
    const updatePatch = (task: Task, xi: Float32Array, logVarSource: Float32Array | null): void => {
      const s = slices[task.slice]!;
      const st = state[task.slice]!;
      const a = acc[task.slice]!;
      const { y: cy, x: cx, weight } = task.corner;
      posteriorMean(schedule, k, scratch.x0, xi, scratch.mu);
      cropPatch(s.y, 3, s.height, s.width, cy, cx, p, scratch.y);
      cropPatch(st.M, 1, s.height, s.width, cy, cx, p, scratch.m);
      const target = typeof s.exposureTarget === 'number' ? s.exposureTarget : blockTargets(s.exposureTarget, s.width, cy, cx, p);
      const z = opts.guidanceTarget === 'x0' ? scratch.x0 : xi;
      const fNext = guidePatch({ z, y: scratch.y, m: scratch.m, f: st.f, h: p, w: p, exposureTarget: target }, guidanceFor(st.f), scratch.g, scratch.mNext);
      addScaled(scratch.mu, opts.nApply, scratch.g);
      accumulatePatch(a.mu, 3, s.height, s.width, cy, cx, p, scratch.mu, weight);
      accumulatePatch(a.x0, 3, s.height, s.width, cy, cx, p, scratch.x0, weight);
      accumulatePatch(a.M, 1, s.height, s.width, cy, cx, p, scratch.mNext, weight);
      if (learned && a.logVar && logVarSource) {
        affine(logVarSource, learned.a, learned.b, scratch.lv);
        accumulatePatch(a.logVar, 3, s.height, s.width, cy, cx, p, scratch.lv, weight);
      }
      const next = channelGains(fNext);
      for (let c = 0; c < 3; c++) a.fSum[c]! += weight * next[c]!;
      a.fWeight += weight;
    };

    if (opts.networkFree) {
      if (k > 0) slices.forEach((s, si) => s.noise(k, noiseBuf[si]!));
      for (const task of tasks) {
        const s = slices[task.slice]!;
        cropPatch(state[task.slice]!.x, 3, s.height, s.width, task.corner.y, task.corner.x, p, scratch.xt);
        cropPatch(s.fixedX0!, 3, s.height, s.width, task.corner.y, task.corner.x, p, scratch.x0);
        if (opts.clampX0 ?? true) clampUnit(scratch.x0);
        updatePatch(task, scratch.xt, null);
      }
    } else {
      const chunks = splitBySizes(tasks, evenCallSizes(tasks.length, opts.batchSize));
      const launch = (chunk: Task[]): { batch: Float32Array; n: number; out: Promise<Float32Array> } => {
        const n = Math.max(chunk.length, opts.callSize ?? 0);
        const batch = new Float32Array(n * 3 * pp);
        chunk.forEach((task, j) => {
          const s = slices[task.slice]!;
          if (graphs) batch.set(graphs[task.slice]!.patches.subarray(task.index * 3 * pp, (task.index + 1) * 3 * pp), j * 3 * pp);
          else cropPatch(state[task.slice]!.x, 3, s.height, s.width, task.corner.y, task.corner.x, p, batch, j * 3 * pp);
        });
        const t0 = performance.now();
        const out = opts.predict(batch, n, p, p, new Array<number>(n).fill(t)).then((r) => {
          timings.modelMs += performance.now() - t0;
          return r;
        });
        out.catch(() => undefined); // awaited below; avoids an unhandled rejection on abort
        timings.modelCalls++;
        timings.patchEvaluations += chunk.length;
        return { batch, n, out };
      };
      let pending = launch(chunks[0]!);
      // ξ does not depend on the model output: draw it while the first batch runs.
      if (k > 0) slices.forEach((s, si) => s.noise(k, noiseBuf[si]!));
      for (let ci = 0; ci < chunks.length; ci++) {
        const chunk = chunks[ci]!;
        const { batch, n } = pending;
        const out = await pending.out;
        throwIfAborted(opts.signal);
        checkModelOutput(out, n, opts.outputChannels, pp);
        if (ci + 1 < chunks.length) pending = launch(chunks[ci + 1]!);
        if (graphs) {
          const C = opts.outputChannels;
          chunk.forEach((task, j) => epsBuf[task.slice]!.set(out.subarray(j * C * pp, (j + 1) * C * pp), task.index * C * pp));
          continue;
        }
        chunk.forEach((task, j) => {
          const xi = batch.subarray(j * 3 * pp, (j + 1) * 3 * pp);
          const base = j * opts.outputChannels * pp;
          predictX0FromEps(schedule, k, xi, out.subarray(base, base + 3 * pp), scratch.x0, opts.clampX0 ?? true);
          updatePatch(task, xi, learned ? out.subarray(base + 3 * pp, base + 6 * pp) : null);
        });
      }
    }

    const fixedSd = opts.variance === 'learned' ? 0 : Math.exp(0.5 * fixedLogVariance(schedule, opts.variance, k));
    if (graphs) {
      const g0 = performance.now();
      for (let si = 0; si < slices.length; si++) {
        const scalars = { schedule, step: k, fixedSd: k === 0 ? 0 : fixedSd, learned, nApply: opts.nApply };
        await graphs[si]!.step(state[si]!, epsBuf[si]!, noiseBuf[si]!, scalars, guidanceFor(state[si]!.f));
      }
      timings.stepGraphMs += performance.now() - g0;
    } else {
      slices.forEach((_, si) => {
        const st = state[si]!;
        const a = acc[si]!;
        finishStep(a, geometry[si]!.inverseCount, noiseBuf[si]!, k === 0, fixedSd, st);
        st.f = typeof st.f === 'number' ? a.fSum[0]! / a.fWeight : [a.fSum[0]! / a.fWeight, a.fSum[1]! / a.fWeight, a.fSum[2]! / a.fWeight];
      });
    }
    const done = opts.startStep - k + 1;
    const elapsed = performance.now() - started;
    opts.onProgress?.({ step: done, total, etaMs: done < total ? (elapsed / done) * (total - done) : 0 });
  }
  timings.totalMs = performance.now() - started;
  return { results: state.map((st) => ({ x: st.x, x0: st.x0, f: st.f, M: st.M })), timings };
}

/** mu += scale · g */
function addScaled(mu: Float32Array, scale: number, g: Float32Array): void {
  const n = mu.length;
  for (let i = 0; i < n; i++) mu[i] = mu[i]! + scale * g[i]!;
}

function clampUnit(v: Float32Array): void {
  for (let i = 0; i < v.length; i++) v[i] = v[i]! < -1 ? -1 : v[i]! > 1 ? 1 : v[i]!;
}

/** out = a · v + b */
function affine(v: Float32Array, a: number, b: number, out: Float32Array): void {
  const n = v.length;
  for (let i = 0; i < n; i++) out[i] = a * v[i]! + b;
}

/**
 * The overlap averages of one step: x̂0, the mean (plus the noise scaled by the learned or fixed
 * standard deviation, except at the last step) and M, each accumulator times 1 / overlap count.
 */
function finishStep(
  a: Accumulators,
  inv: Float64Array,
  xi: Float32Array,
  last: boolean,
  fixedSd: number,
  st: { x: Float32Array; x0: Float32Array; M: Float32Array },
): void {
  const hw = inv.length;
  const { mu: accMu, x0: accX0, logVar, M: accM } = a;
  const { x, x0 } = st;
  for (let c = 0; c < 3; c++) {
    const off = c * hw;
    for (let i = 0; i < hw; i++) {
      const idx = off + i;
      const r = inv[i]!;
      const mu = accMu[idx]! * r;
      x0[idx] = accX0[idx]! * r;
      if (last) x[idx] = mu;
      else if (logVar) x[idx] = mu + Math.exp(0.5 * logVar[idx]! * r) * xi[idx]!;
      else x[idx] = mu + fixedSd * xi[idx]!;
    }
  }
  const M = st.M;
  for (let i = 0; i < hw; i++) M[i] = accM[i]! * inv[i]!;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('enhancement cancelled');
}

/** A model output of the wrong size or with NaN/Inf breaks the contract, not the image. */
function checkModelOutput(out: Float32Array, n: number, channels: number, pp: number): void {
  const expected = n * channels * pp;
  if (out.length !== expected) {
    throw new ModelContractError(`model returned ${out.length} values, expected ${expected} ([${n},${channels},…])`);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new ModelContractError(`model output contains ${Number.isNaN(out[i]!) ? 'NaN' : 'Inf'} (value ${i} of ${out.length})`);
    }
  }
}
