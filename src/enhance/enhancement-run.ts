/**
 * One enhancement run over one or more images with an injected network: conditioning, resize to
 * the working size, the sampler in lockstep over all images, resize back, background
 * protection and 8-bit output. The engine class wraps this with the model registry; tests
 * call it with fake or reference networks and injected noise.
 */
import { conditionInput, luminance } from './conditioning.js';
import type { Gain } from './guidance.js';
import { fromPlanarSigned, isGrayImage, toPlanarUnit, type EngineImage } from './image-planes.js';
import { N_APPLY, type EnhancePreset } from './preset.js';
import { cumulativeAlphas, diffuseCountingInputNoise, planRun, type RunPlan } from './run-plan.js';
import { channelMeanNoiseSigma, inputNoiseSigma, noiseMatchedTimestep } from './noise-level.js';
import { createRng } from './rng.js';
import { sampleSlices, type PredictFn, type SamplerProgress, type SamplerTimings, type SliceInput, type SliceResult } from './sampler.js';
import { patchCorners, resizeBilinear, workingSize } from './tiling.js';
import { boostWeight, sharpnessRatio, transferDetail } from './detail-transfer.js';
import type { RgbImage } from '../render/rgb-image.js';
import type { AppliedProcessing, ClassicalStep } from './applied-processing.js';
import type { OpenGraphFn } from './graphs/graph-session.js';

/** Random inputs of the sampler, per image (`slice` = index within the run). */
export interface NoiseSource {
  /** f at the start (reference: N(0,1)/100). */
  initialGain(slice: number): number;
  /** M at the start, H·W (reference: U[0,1)/10⁴). */
  initialMap(slice: number, out: Float32Array): void;
  /** Standard normals for x_T, or for noising the anchored start, 3·H·W. */
  startNoise(slice: number, out: Float32Array): void;
  /** ξ of step k (> 0), 3·H·W. */
  stepNoise(slice: number, step: number, out: Float32Array): void;
}

/** The seeded default: one stream per image, drawn in a fixed order. */
export function seededNoise(seed: number, firstStream = 0): NoiseSource {
  const streams = new Map<number, ReturnType<typeof createRng>>();
  const rng = (slice: number) => {
    let r = streams.get(slice);
    if (!r) streams.set(slice, (r = createRng(seed, firstStream + slice)));
    return r;
  };
  return {
    initialGain: (s) => rng(s).normal() / 100,
    initialMap: (s, out) => {
      const r = rng(s);
      for (let i = 0; i < out.length; i++) out[i] = r.uniform() / 1e4;
    },
    startNoise: (s, out) => rng(s).fillNormal(out),
    stepNoise: (s, _k, out) => rng(s).fillNormal(out),
  };
}

export interface RunRequest {
  images: readonly EngineImage[];
  preset: EnhancePreset;
  /** β of the model's training schedule. */
  betas: Float64Array;
  outputChannels: 3 | 6;
  predict: PredictFn;
  /** Run each step's arithmetic as a graph on the model's device (SamplerOptions.stepGraph). */
  stepGraph?: OpenGraphFn;
  /** Fixed patches per model call (accelerators; see call-sizes.ts). */
  callSize?: number;
  /**
   * The ablation twin: the same preset with the network replaced by the engine's own start
   * estimate (x̂0 = the conditioned, gamma-brightened input at every step); no model call.
   */
  networkFree?: boolean;
  /** Per image: the grey level of "no signal" in its rendering (EnhanceOptions.blackLevels). */
  blackLevels?: readonly number[];
  noise?: NoiseSource;
  signal?: AbortSignal;
  onProgress?: (p: SamplerProgress) => void;
}

export interface RunOutput {
  image: RgbImage;
  /** Present for grayscale input: the channel mean, quantised. */
  gray?: Uint8Array;
  /** The final float image at the input size, planar 3×H×W in [-1, 1] space, before quantising. */
  planar: Float32Array;
  backgroundProtected: boolean;
  conditioning: { stretched: boolean; gamma: number; backgroundFraction: number };
  applied: AppliedProcessing;
}

/** The input's noise σ in [-1, 1] units: per channel over the foreground (two scales), averaged. */
function startNoiseSigma(start: Float32Array, width: number, height: number, foreground: Uint8Array | null): number {
  return 2 * channelMeanNoiseSigma(start, width, height, foreground ?? undefined);
}

/**
 * Pixels kept entirely from the input get the input's own 8-bit value (rounded, not the
 * truncating output mapping, which would turn k/255 into k − 1 for some k through float error).
 */
function restoreKeptPixels(out: { image: RgbImage; gray?: Uint8Array }, reference: Float32Array, keep: Float32Array, hw: number): void {
  for (let j = 0; j < hw; j++) {
    if (keep[j]! < 1) continue;
    const r = Math.round(reference[j]! * 255);
    const g = Math.round(reference[j + hw]! * 255);
    const b = Math.round(reference[j + 2 * hw]! * 255);
    if (out.gray) {
      const v = Math.round(((reference[j]! + reference[j + hw]! + reference[j + 2 * hw]!) / 3) * 255);
      out.gray[j] = v;
      out.image.data.fill(v, 3 * j, 3 * j + 3);
    } else {
      out.image.data[3 * j] = r;
      out.image.data[3 * j + 1] = g;
      out.image.data[3 * j + 2] = b;
    }
  }
}

/** argmin_f Σ(f·s01 − y01)² for planar images in [-1, 1]; 1 when the start is black. */
export function leastSquaresGain(y: Float32Array, start: Float32Array, from = 0, to = y.length): number {
  let sy = 0;
  let ss = 0;
  for (let i = from; i < to; i++) {
    const a = (start[i]! + 1) / 2;
    sy += a * ((y[i]! + 1) / 2);
    ss += a * a;
  }
  return ss > 0 ? sy / ss : 1;
}

/** leastSquaresGain of each channel of planar 3×H×W images. */
export function leastSquaresChannelGains(y: Float32Array, start: Float32Array): [number, number, number] {
  const n = y.length / 3;
  return [0, 1, 2].map((c) => leastSquaresGain(y, start, c * n, (c + 1) * n)) as [number, number, number];
}

/**
 * The sampler's output with the input's fine structure (detail-transfer.ts). A grey slice is one
 * plane (its output is the channel mean anyway), which is a third of the work.
 */
function withInputDetail(reference: Float32Array, planar: Float32Array, width: number, height: number, gray: boolean, preset: EnhancePreset): { planar: Float32Array; boosted: boolean } {
  const hw = width * height;
  const refLum = gray ? reference.subarray(0, hw) : luminance(reference, hw);
  const maxBoost = preset.detailBoost;
  const opts = {
    sigma: preset.detailSigma,
    boost: maxBoost > 0 ? maxBoost * boostWeight(sharpnessRatio(refLum, width, height)) : 0,
  };
  const unit = planar.map((v) => (v + 1) / 2);
  const boosted = opts.boost > 0;
  if (!gray) return { planar: transferDetail(reference, unit, width, height, opts).map((v) => 2 * v - 1), boosted };
  const one = transferDetail(refLum, luminance(unit, hw), width, height, opts);
  const out = new Float32Array(3 * hw);
  for (let i = 0; i < hw; i++) out[i] = out[i + hw] = out[i + 2 * hw] = 2 * one[i]! - 1;
  return { planar: out, boosted };
}

/** Background noise (8-bit grey levels) at or below which a background counts as quiet: black air, quantisation only. */
const QUIET_BACKGROUND_LEVEL = 1;

/** Whether a measured noise σ ([-1, 1] units) counts as noisy for the preset (noisyInputLevel is in 8-bit grey levels). */
function isNoisy(preset: EnhancePreset, sigma: number): boolean {
  return preset.noisyInputLevel !== null && sigma * 127.5 > preset.noisyInputLevel;
}

/** The classical steps one image went through, in processing order. */
function classicalStepsOf(cond: { stats: { stretched: boolean; gamma: number } }, startBrightened: boolean, localGamma: boolean, detail: { boosted: boolean } | null, background: 'copied' | 'smoothed' | null): ClassicalStep[] {
  const steps: ClassicalStep[] = [];
  if (cond.stats.stretched) steps.push('contrast-stretch');
  if (startBrightened) steps.push(localGamma ? 'local-gamma-start' : 'gamma-start');
  if (detail) steps.push('detail-transfer');
  if (detail?.boosted) steps.push('detail-boost');
  if (background === 'copied') steps.push('background-copy');
  if (background === 'smoothed') steps.push('background-smoothing');
  return steps;
}

export async function runEnhancement(
  req: RunRequest,
): Promise<{ outputs: RunOutput[]; timings: SamplerTimings; stepsRun: number; prepareMs: number; finishMs: number }> {
  const { preset } = req;
  const p = preset.patchSize;
  const noise = req.noise ?? seededNoise(preset.seed);
  const t0 = performance.now();
  const conditioned = req.images.map((img, si) => {
    const unit = toPlanarUnit(img);
    const cond = conditionInput(unit, img.width, img.height, {
      contrastStretch: preset.contrastStretch,
      startGamma: preset.startGamma,
      localGamma: preset.localGamma,
      brightenOnlyUnderexposed: preset.brightenOnlyUnderexposed,
      exposureJudgedBy: preset.exposureJudgedBy,
      backgroundProtection: preset.backgroundProtection,
      exposureForegroundOnly: preset.exposureForegroundOnly,
      exposureTarget: preset.exposureTarget,
      noiseSigma: inputNoiseSigma(unit, img.width, img.height),
      backgroundNoiseFloor: preset.backgroundNoiseFloor,
      backgroundJudgedBy: preset.backgroundJudgedBy,
      blackLevel: req.blackLevels?.[si] ?? 0,
    });
    const background = cond.foreground?.map((v) => 1 - v) ?? null;
    return {
      cond,
      noiseSigma: startNoiseSigma(cond.start, img.width, img.height, cond.foreground),
      backgroundSigma: background ? startNoiseSigma(cond.reference, img.width, img.height, background) : Number.NaN,
    };
  });
  const startsFromNoise = preset.startFromNoise && preset.startStep !== null;
  const alphaBars = cumulativeAlphas(req.betas);
  // Each image gets its own start and guidance from its own noise, so its bytes never depend on
  // which other slices share its call (workers, batch sizes); images that agree run in lockstep.
  const runs = new Map<string, { plan: RunPlan; noisy: boolean; members: number[] }>();
  const runOf = conditioned.map((c, si) => {
    const anchor = startsFromNoise
      ? noiseMatchedTimestep(alphaBars, c.noiseSigma, preset.noiseStartFactor, Math.min(preset.minStartStep, preset.startStep!), preset.startStep!)
      : undefined;
    const noisy = isNoisy(preset, c.noiseSigma);
    const key = `${anchor ?? ''}|${noisy}`;
    let run = runs.get(key);
    if (!run) runs.set(key, (run = { plan: planRun(preset, req.betas, req.outputChannels, { networkFree: req.networkFree, anchor }), noisy, members: [] }));
    run.members.push(si);
    return run;
  });
  const prepared = req.images.map((img, si) => {
    const { width, height } = img;
    const { cond, noiseSigma, backgroundSigma } = conditioned[si]!;
    const { plan } = runOf[si]!;
    const H = workingSize(height, p);
    const W = workingSize(width, p);
    const toSigned = (a: Float32Array) => a.map((v) => 2 * v - 1);
    const y = resizeBilinear(toSigned(cond.reference), 3, height, width, H, W);
    const target =
      typeof cond.exposureTarget === 'number' ? cond.exposureTarget : resizeBilinear(cond.exposureTarget, 1, height, width, H, W);
    const drawn = noise.initialGain(si);
    let f: Gain = preset.illuminationGain === 'per-channel' ? [drawn, drawn, drawn] : drawn;
    const M = new Float32Array(H * W);
    noise.initialMap(si, M);
    const x = new Float32Array(3 * H * W);
    noise.startNoise(si, x);
    const start = resizeBilinear(toSigned(cond.start), 3, height, width, H, W);
    if (preset.startStep !== null) {
      diffuseCountingInputNoise(plan.schedule.alphasCumprod[plan.startStep]!, start, startsFromNoise ? noiseSigma : 0, x);
      // The anchored start knows its image, so f starts at the least-squares gain between the
      // start and the input instead of N(0,1)/100: a few steps cannot move f that far, and a
      // gain far from its fit makes the data term pull towards y/f (measured: 8.6 dB on a
      // flattened CT where f had only reached ≈ 0.6).
      f = preset.illuminationGain === 'per-channel' ? leastSquaresChannelGains(y, start) : leastSquaresGain(y, start);
    }
    const slice: SliceInput = {
      y,
      x,
      height: H,
      width: W,
      f,
      M,
      exposureTarget: target,
      noise: (k, out) => noise.stepNoise(si, k, out),
      ...(req.networkFree ? { fixedX0: start } : {}),
    };
    return { img, cond, slice, H, W, plan, reference: cond.reference, noiseSigma, backgroundSigma };
  });

  const prepareMs = performance.now() - t0;
  const results: SliceResult[] = new Array<SliceResult>(prepared.length);
  const timings: SamplerTimings = { totalMs: 0, modelMs: 0, modelCalls: 0, patchEvaluations: 0, stepGraphMs: 0 };
  const totalSteps = [...runs.values()].reduce((n, r) => n + r.plan.startStep + 1, 0);
  let stepsBefore = 0;
  for (const run of runs.values()) {
    const { plan } = run;
    const out = await sampleSlices(
      run.members.map((i) => prepared[i]!.slice),
      {
        schedule: plan.schedule,
        startStep: plan.startStep,
        outputChannels: req.outputChannels,
        variance: plan.variance,
        guidance: { scale: plan.guidanceScale, exposureWeight: preset.exposureWeight },
        nApply: N_APPLY,
        dataStepLimit: preset.dataStepLimit,
        residualSigma: run.noisy ? preset.guidanceResidualSigma : 0,
        guidanceTarget: preset.guidanceTarget,
        patchSize: p,
        stride: preset.stride,
        batchSize: preset.batchSize,
        callSize: req.callSize,
        predict: req.predict,
        stepGraph: req.stepGraph,
        networkFree: req.networkFree,
        signal: req.signal,
        onProgress: req.onProgress && ((pr) => req.onProgress!({ step: stepsBefore + pr.step, total: totalSteps, etaMs: pr.etaMs })),
      },
    );
    run.members.forEach((i, j) => (results[i] = out.results[j]!));
    timings.totalMs += out.timings.totalMs;
    timings.modelMs += out.timings.modelMs;
    timings.modelCalls += out.timings.modelCalls;
    timings.patchEvaluations += out.timings.patchEvaluations;
    timings.stepGraphMs += out.timings.stepGraphMs;
    stepsBefore += plan.startStep + 1;
  }

  const t1 = performance.now();
  const outputs = prepared.map((s, i) => {
    const { width, height } = s.img;
    const hw = width * height;
    let planar = resizeBilinear(results[i]!.x, 3, s.H, s.W, height, width);
    const detailAllowed = preset.detailFromInput && !isNoisy(preset, s.noiseSigma);
    const detail = detailAllowed ? withInputDetail(s.reference, planar, width, height, isGrayImage(s.img), preset) : null;
    if (detail) planar = detail.planar;
    // A noisy background is not copied as it is: the copy would keep (after a stretch, amplify) its
    // noise. It is taken from the smoothed copy the statistics were read from — unless the preset
    // says its background is a Rician noise floor (backgroundNoiseFloor > 0, MR air): a smoothed
    // floor keeps its bias (about 1.25 σ above black), and the prior does better there (measured
    // on the development set). A quiet background (air clipped to black in a CT window) is copied
    // even when the object is noisy.
    const quietBackground = s.backgroundSigma * 127.5 <= QUIET_BACKGROUND_LEVEL;
    const noisyBackground = isNoisy(preset, s.noiseSigma) && !quietBackground;
    const keepFrom = !noisyBackground ? s.reference : preset.backgroundNoiseFloor > 0 ? null : s.cond.smoothedReference;
    const keep = keepFrom ? s.cond.keepWeight : null;
    if (keep && keepFrom) {
      for (let c = 0; c < 3; c++) {
        for (let j = 0; j < hw; j++) {
          const a = keep[j]!;
          if (a > 0) planar[c * hw + j] = a * (2 * keepFrom[c * hw + j]! - 1) + (1 - a) * planar[c * hw + j]!;
        }
      }
    }
    const out = fromPlanarSigned(planar, width, height, isGrayImage(s.img));
    if (keep && keepFrom) restoreKeptPixels(out, keepFrom, keep, hw);
    return {
      image: out.image,
      gray: out.gray,
      planar,
      backgroundProtected: keep !== null,
      conditioning: { stretched: s.cond.stats.stretched, gamma: s.cond.stats.gamma, backgroundFraction: s.cond.stats.backgroundFraction },
      applied: {
        estimator: req.networkFree ? 'network-free' : 'network',
        networkEvaluationsPerPatch: req.networkFree ? 0 : s.plan.startStep + 1,
        startTimestep: s.plan.schedule.timestepMap[s.plan.startStep]!,
        anchoredStart: preset.startStep !== null,
        patchSize: p,
        stride: preset.stride,
        patchesPerImage: patchCorners(s.H, s.W, p, preset.stride).length,
        classical: classicalStepsOf(s.cond, s.cond.start !== s.cond.reference, preset.startGamma && preset.localGamma, detail, !keep ? null : noisyBackground ? 'smoothed' : 'copied'),
      },
    } satisfies RunOutput;
  });
  return { outputs, timings, stepsRun: totalSteps, prepareMs, finishMs: performance.now() - t1 };
}
