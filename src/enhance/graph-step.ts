/**
 * The sampler's per-step arithmetic of one image on the model's device (graphs/step-graph.ts):
 * holds the image's constant feeds (y, the exposure targets per block) and turns one step's
 * network outputs into x_{t−1}, x̂0, M, the gain and the patches of the next network call. Only
 * the gain's weighted average over the patches (3 numbers per patch) stays in JavaScript.
 */
import { channelGains, EXPOSURE_BLOCK, guidanceFactors, nextGain, type Gain, type GuidanceParams } from './guidance.js';
import { blockTargets } from './exposure-target.js';
import type { GraphSession, OpenGraphFn } from './graphs/graph-session.js';
import { buildStepGraph, STEP_COEFFICIENTS, stepGraphKey, type StepGraphGeometry } from './graphs/step-graph.js';
import type { DiffusionSchedule } from './schedule.js';
import { cropPatch, type PatchCorner } from './tiling.js';

export interface GraphStepSlice {
  y: Float32Array;
  height: number;
  width: number;
  exposureTarget: number | Float32Array;
}

/** The scalars of step k that are not per image. */
export interface StepScalars {
  schedule: DiffusionSchedule;
  step: number;
  /** Fixed σ of the step (0 at the last step); ignored for learned σ. */
  fixedSd: number;
  /** log σ² = a·v + b (learned σ), else null. */
  learned: { a: number; b: number } | null;
  nApply: number;
}

export interface GraphStepState {
  x: Float32Array;
  M: Float32Array;
  x0: Float32Array;
  f: Gain;
}

export class SliceStepGraph {
  /** Patches of the current x, [P,3,p,p] in corner order: the next network call's input. */
  patches: Float32Array;

  private constructor(
    private readonly session: GraphSession,
    private readonly slice: GraphStepSlice,
    private readonly geometry: StepGraphGeometry,
    private readonly expTarget: Float32Array,
    private readonly expMask: Float32Array,
    x: Float32Array,
  ) {
    const { patch: p, corners } = geometry;
    this.patches = new Float32Array(corners.length * 3 * p * p);
    this.y01 = new Float32Array(corners.length * 3 * p * p);
    corners.forEach((c, j) => {
      cropPatch(x, 3, slice.height, slice.width, c.y, c.x, p, this.patches, j * 3 * p * p);
      cropPatch(slice.y, 3, slice.height, slice.width, c.y, c.x, p, this.y01, j * 3 * p * p);
    });
    for (let i = 0; i < this.y01.length; i++) this.y01[i] = (this.y01[i]! + 1) / 2;
  }

  /** The guidance reference's patches in [0, 1] (y01 of guidance.ts), [P,3,p,p]. */
  private readonly y01: Float32Array;

  static async open(openGraph: OpenGraphFn, slice: GraphStepSlice, geometry: StepGraphGeometry, x: Float32Array): Promise<SliceStepGraph> {
    const session = await openGraph(stepGraphKey(geometry), () => buildStepGraph(geometry));
    const { expTarget, expMask } = exposureFeeds(slice, geometry.corners, geometry.patch);
    return new SliceStepGraph(session, slice, geometry, expTarget, expMask, x);
  }

  /** One step: `eps` is the network output of every patch in corner order, [P,C,p,p]. */
  async step(state: GraphStepState, eps: Float32Array, noise: Float32Array, s: StepScalars, guidance: GuidanceParams): Promise<void> {
    const { height: H, width: W } = this.slice;
    const { patch: p, corners, outputChannels: C } = this.geometry;
    const P = corners.length;
    const { kData, kExp } = guidanceFactors(guidance, state.f, p, p);
    const k = s.step;
    const last = k === 0;
    const values: Record<(typeof STEP_COEFFICIENTS)[number], number> = {
      a: s.schedule.sqrtRecipAlphasCumprod[k]!,
      // a² − b² = 1
      aMinusB: 1 / (s.schedule.sqrtRecipAlphasCumprod[k]! + s.schedule.sqrtRecipm1AlphasCumprod[k]!),
      c1: s.schedule.posteriorMeanCoef1[k]!,
      c2: s.schedule.posteriorMeanCoef2[k]!,
      shiftExposure: s.nApply * kExp,
      noiseScale: last ? 0 : s.learned ? 1 : s.fixedSd,
      logVarA: s.learned?.a ?? 0,
      logVarB: s.learned?.b ?? 0,
    };
    const out = await this.session.run({
      x: { data: state.x, dims: [1, 3, H, W] },
      eps: { data: eps, dims: [P, C, p, p] },
      y01: { data: this.y01, dims: [P, 3, p, p] },
      m: { data: state.M, dims: [1, 1, H, W] },
      expTarget: { data: this.expTarget, dims: [P, 1, p / EXPOSURE_BLOCK, p / EXPOSURE_BLOCK] },
      expMask: { data: this.expMask, dims: [P, 1, p / EXPOSURE_BLOCK, p / EXPOSURE_BLOCK] },
      noise: { data: noise, dims: [1, 3, H, W] },
      gain: { data: Float32Array.from(channelGains(state.f)), dims: [1, 3, 1, 1] },
      shiftData: { data: Float32Array.from(kData, (v) => s.nApply * v), dims: [1, 3, 1, 1] },
      coef: { data: Float32Array.from(STEP_COEFFICIENTS, (name) => values[name]), dims: [STEP_COEFFICIENTS.length] },
    });
    state.x.set(out.xNext!);
    state.x0.set(out.x0!);
    state.M.set(out.mNext!);
    this.patches = out.patches!;
    state.f = averageGain(state.f, out.rhoU!, corners, p * p);
  }
}

/** The weighted mean over the patches of each patch's next gain (sampler.ts updatePatch). */
function averageGain(f: Gain, rhoU: Float32Array, corners: readonly PatchCorner[], hw: number): Gain {
  const sum = [0, 0, 0];
  let weight = 0;
  corners.forEach((c, j) => {
    const next = channelGains(nextGain(f, [rhoU[3 * j]!, rhoU[3 * j + 1]!, rhoU[3 * j + 2]!], hw));
    for (let ch = 0; ch < 3; ch++) sum[ch]! += c.weight * next[ch]!;
    weight += c.weight;
  });
  return typeof f === 'number' ? sum[0]! / weight : [sum[0]! / weight, sum[1]! / weight, sum[2]! / weight];
}

/** E per block of every patch, NaN (no pull) as target 0 with mask 0. */
function exposureFeeds(slice: GraphStepSlice, corners: readonly PatchCorner[], p: number): { expTarget: Float32Array; expMask: Float32Array } {
  const blocks = (p / EXPOSURE_BLOCK) ** 2;
  const expTarget = new Float32Array(corners.length * blocks);
  const expMask = new Float32Array(corners.length * blocks);
  corners.forEach((c, j) => {
    const e = slice.exposureTarget;
    const targets = typeof e === 'number' ? new Float64Array(blocks).fill(e) : blockTargets(e, slice.width, c.y, c.x, p);
    for (let b = 0; b < blocks; b++) {
      const v = targets[b]!;
      expTarget[j * blocks + b] = Number.isNaN(v) ? 0 : v;
      expMask[j * blocks + b] = Number.isNaN(v) ? 0 : 1;
    }
  });
  return { expTarget, expMask };
}
