/**
 * The enhancement engine: UniMIE over images and series with the registry's warm sessions
 * (engine issue "What to build" 2). Knows no DICOM; takes 8-bit images, returns 8-bit images plus
 * what the derived series and the provenance row record.
 */
import { CancelledError, ModelContractError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { RgbImage } from '../render/rgb-image.js';
import { runEnhancement, seededNoise } from './enhancement-run.js';
import type { EngineImage } from './image-planes.js';
import type { ModelRegistry, RegisteredModel } from './model-registry.js';
import type { EnhancePreset } from './preset.js';
import { evenCallSizes } from './call-sizes.js';
import { patchCorners, workingSize } from './tiling.js';
import { cosineBetas, linearBetas } from './schedule.js';
import { summariseQuality, type QualitySummary } from './quality.js';
import type { AppliedProcessing } from './applied-processing.js';

export interface EngineProgress {
  /** Sampling steps done over the whole request, of `total`. */
  step: number;
  total: number;
  etaMs: number | null;
  /** First slice of the group being sampled, and the number of slices. */
  slice: number;
  slices: number;
}

export interface EnhanceOptions {
  signal?: AbortSignal;
  onProgress?: (p: EngineProgress) => void;
  /** Compute before/after quality figures (entropy, background entropy, mean). Default true. */
  quality?: boolean;
  /**
   * Random stream of the first image (default 0): image i uses stream firstStream + i, so a part
   * of a request run elsewhere (a worker) draws the same numbers as the whole request here.
   */
  firstStream?: number;
  /**
   * Run the preset's network-free twin: the network replaced by the engine's own start estimate
   * (no model call), for ablations (`eval --ablate`, `enhance --network-free`).
   */
  networkFree?: boolean;
  /**
   * Per image: the grey level in [0, 1] that "no signal" (CT air) takes in its rendering; a
   * contrast stretch maps the darkest pixels there instead of to black. 0 when absent.
   */
  blackLevels?: readonly number[];
  /**
   * Run each sampler step's arithmetic as a graph on the model's device (default true when the
   * model session can open graphs); false runs the JavaScript reference path. Both give the same
   * output within 1e-5 (test/enhance/step-graph.test.ts).
   */
  stepGraph?: boolean;
}

export interface EnhanceTimings {
  totalMs: number;
  /** Wall time inside model calls. */
  modelMs: number;
  /** totalMs − modelMs: conditioning, tiling, guidance, resizing. */
  outsideModelMs: number;
  /** Wall time inside the step graphs (guidance, averaging, noise on the model's device); 0 on the JavaScript path. */
  stepGraphMs: number;
  perStepMs: number;
  /** Model calls of the lockstep group this slice was sampled in (shared with its group). */
  modelCalls: number;
  patchEvaluations: number;
  /** Conditioning and resizing before sampling, and resizing/compositing after (this slice's share). */
  prepareMs: number;
  finishMs: number;
}

export interface EnhanceResult {
  image: RgbImage;
  /** For grayscale input: the enhanced channel mean. */
  gray?: Uint8Array;
  modelId: string;
  modelSha256: string;
  modelVersion: string;
  seed: number;
  /** Network steps actually run (after an anchored start, fewer than the preset's steps). */
  steps: number;
  timings: EnhanceTimings;
  /** True when background pixels were kept from the input (say so in the derived series). */
  backgroundProtected: boolean;
  conditioning: { stretched: boolean; gamma: number; backgroundFraction: number };
  /** What produced the pixels (estimator, network evaluations, patch grid, classical steps). */
  applied: AppliedProcessing;
  quality?: QualitySummary;
}

/** Most slices sampled in lockstep (bounds memory: a few float planes per slice). */
const MAX_GROUP = 8;

export class EnhancementEngine {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Enhance one image (RGB as is; grayscale replicated to RGB and averaged back). */
  async enhance(image: EngineImage, preset: EnhancePreset, opts: EnhanceOptions = {}): Promise<EnhanceResult> {
    const [result] = await this.enhanceSeries([image], preset, opts);
    return result!;
  }

  /**
   * Enhance the slices of a series; slices are sampled in lockstep groups so the patches of
   * several slices share model calls. Slice i always uses random stream i of the preset's seed,
   * so the output does not depend on grouping or batch size.
   */
  async enhanceSeries(images: readonly EngineImage[], preset: EnhancePreset, opts: EnhanceOptions = {}): Promise<EnhanceResult[]> {
    const model = this.registry.get(preset.model);
    checkPresetAgainstModel(preset, model);
    if (images.length === 0) return [];
    const betas = betasOf(model);
    const groups = groupSlices(images, preset);
    const callSize = model.device === 'cuda' && !opts.networkFree ? Math.max(...groups.map((g) => evenCallSizes(patchesOf(g.images, preset), preset.batchSize)[0]!)) : undefined;
    const started = performance.now();
    const results: EnhanceResult[] = [];
    let stepsBefore = 0;
    let totalSteps = 0;
    for (const group of groups) {
      throwIfAborted(opts.signal);
      const groupStart = performance.now();
      const { outputs, timings, stepsRun, prepareMs, finishMs } = await runEnhancement({
        images: group.images,
        preset,
        betas,
        outputChannels: model.session.outputChannels,
        predict: model.session.predict,
        stepGraph: opts.stepGraph === false || opts.networkFree ? undefined : model.session.openGraph,
        callSize,
        networkFree: opts.networkFree,
        blackLevels: opts.blackLevels?.slice(group.first, group.first + group.images.length),
        noise: seededNoise(preset.seed, (opts.firstStream ?? 0) + group.first),
        signal: opts.signal,
        onProgress: (p) => {
          if (totalSteps === 0) totalSteps = p.total * groups.length;
          const done = stepsBefore + p.step;
          const elapsed = performance.now() - started;
          opts.onProgress?.({ step: done, total: totalSteps, etaMs: (elapsed / done) * (totalSteps - done), slice: group.first, slices: images.length });
        },
      });
      stepsBefore += stepsRun;
      const groupMs = performance.now() - groupStart;
      const share = 1 / group.images.length;
      outputs.forEach((out, i) => {
        const input = group.images[i]!;
        results.push({
          image: out.image,
          gray: out.gray,
          modelId: model.id,
          modelSha256: model.sha256,
          modelVersion: model.version,
          seed: preset.seed,
          steps: out.applied.networkEvaluationsPerPatch,
          timings: {
            totalMs: groupMs * share,
            modelMs: timings.modelMs * share,
            outsideModelMs: (groupMs - timings.modelMs) * share,
            stepGraphMs: timings.stepGraphMs * share,
            perStepMs: (groupMs * share) / stepsRun,
            modelCalls: timings.modelCalls,
            patchEvaluations: timings.patchEvaluations * share,
            prepareMs: prepareMs * share,
            finishMs: finishMs * share,
          },
          backgroundProtected: out.backgroundProtected,
          conditioning: out.conditioning,
          applied: out.applied,
          quality: opts.quality === false ? undefined : summariseQuality(input, out.image),
        });
      });
      this.logger.debug({ stage: 'enhance', model: model.id, slices: group.images.length, ms: Math.round(groupMs), modelMs: Math.round(timings.modelMs) }, 'slice group enhanced');
    }
    return results;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('enhancement cancelled');
}

function betasOf(model: RegisteredModel): Float64Array {
  const s = model.manifest.schedule;
  return s.kind === 'linear' ? linearBetas(s.timesteps, s.betaStart, s.betaEnd) : cosineBetas(s.timesteps);
}

function checkPresetAgainstModel(preset: EnhancePreset, model: RegisteredModel): void {
  const m = model.manifest;
  const dynamic = m.dynamicAxes.includes('height') && m.dynamicAxes.includes('width');
  if (!dynamic && preset.patchSize !== m.patchSize) {
    throw new ModelContractError(`${model.manifestPath}: model has fixed ${m.patchSize}² input; preset asks for ${preset.patchSize}² patches`);
  }
  if (!m.dynamicAxes.includes('batch') && preset.batchSize !== 1) {
    throw new ModelContractError(`${model.manifestPath}: model has a fixed batch of 1; preset asks for batches of ${preset.batchSize}`);
  }
  if (preset.variance === 'learned' && m.output !== 'epsilon+variance') {
    throw new ModelContractError(`${model.manifestPath}: preset asks for learned variance, but the model outputs ε only`);
  }
  if (preset.patchSize % 16 !== 0) throw new RangeError(`patch size ${preset.patchSize} is not a multiple of 16`);
}

function patchesOf(images: readonly EngineImage[], preset: EnhancePreset): number {
  return images.reduce((n, img) => n + patchCorners(workingSize(img.height, preset.patchSize), workingSize(img.width, preset.patchSize), preset.patchSize, preset.stride).length, 0);
}

/** Consecutive slices whose patches together fill about one batch. */
function groupSlices(images: readonly EngineImage[], preset: EnhancePreset): Array<{ first: number; images: EngineImage[] }> {
  const groups: Array<{ first: number; images: EngineImage[] }> = [];
  let i = 0;
  while (i < images.length) {
    const img = images[i]!;
    const patches = patchesOf([img], preset);
    const size = Math.max(1, Math.min(MAX_GROUP, Math.ceil(preset.batchSize / patches)));
    groups.push({ first: i, images: images.slice(i, i + size) });
    i += size;
  }
  return groups;
}
