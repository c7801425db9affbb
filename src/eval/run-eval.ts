/**
 * The evaluation loop: every clean image × degradation that applies to its modality × method
 * (baselines, UniMIE presets and, with `ablate`, each preset's network-free twin), scored against
 * the clean image. I/O-free apart from the engine it is given.
 */
import type { LoadedConfig } from '../config/load.js';
import type { AppliedProcessing } from '../enhance/applied-processing.js';
import type { EnhancementEngine } from '../enhance/engine.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import type { EnhancePreset } from '../enhance/preset.js';
import { resolvePreset } from '../enhance/preset-resolver.js';
import { noSignalLevel } from '../render/render-dicom.js';
import { runBaseline, type BaselineName } from './baselines.js';
import { degrade, evalDegradeOptions, kindAppliesTo, type DegradationKind, type DegradationParams } from './degradations.js';
import type { EvalImage } from './heldout-set.js';
import { agreementDb, pairContext, scoreOutput, type ImageScores } from './measures.js';

/** One UniMIE column: a fixed preset, or (presetFor) the preset the rules give each image. */
export interface UnimieColumn {
  column: string;
  presetFor: (img: EvalImage) => string | undefined;
}

/** What the evaluation needs of an engine: the real one, or a wrapper (mutation tests). */
export type EvalEngine = Pick<EnhancementEngine, 'enhance'>;

/** Where "no signal" falls in an evaluation image's rendering (CT: air through its window), as the node's renderer says. */
export function blackLevelOf(img: EvalImage): number {
  return img.voiWindow ? noSignalLevel(img.header.Modality, img.voiWindow, false) : 0;
}

/** The network-free twin of a UniMIE column is reported as `<column>:twin`. */
export const TWIN_SUFFIX = ':twin';

/** The method name of a column's network-free twin. */
export function twinOf(column: string): string {
  return `${column}${TWIN_SUFFIX}`;
}

export interface EvalPlan {
  images: readonly EvalImage[];
  kinds: readonly DegradationKind[];
  baselines: readonly BaselineName[];
  unimie: readonly UnimieColumn[];
  presets: Readonly<Record<string, EnhancePreset>>;
  engine?: EvalEngine;
  /** Also run every UniMIE column's network-free twin (engine `networkFree: true`). */
  ablate?: boolean;
  /** Degradation parameters over the defaults; the noisy kinds' seeds come from the image's set. */
  degradation?: Partial<DegradationParams>;
  /** Keep every output image (for the picture grid). */
  keepOutputs?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; label: string }) => void;
}

export interface EvalRow {
  image: string;
  set: EvalImage['set'];
  modality: string;
  width: number;
  height: number;
  kind: DegradationKind;
  method: string;
  /** The UniMIE preset used, for UniMIE columns. */
  preset?: string;
  scores: ImageScores;
  /** Fraction of the image in the clean image's background (0: no background checks). */
  backgroundFraction: number;
  /**
   * Background entropy of the output − the larger of the degraded input's and the clean image's
   * (bits): grey-level variety that neither had. Against the larger of the two, so that output
   * = clean never counts (a dark input has less background noise than its clean image).
   */
  backgroundEntropyChange: number;
  /** Background mean gradient of the output − the larger of the input's and the clean's (grey levels / px). */
  backgroundGradientChange: number;
  ms: number;
  /** UniMIE only: network steps actually run and whether the background was kept. */
  steps?: number;
  backgroundProtected?: boolean;
  /** UniMIE only: what produced the pixels, and with which model. */
  applied?: AppliedProcessing;
  model?: { id: string; sha256: string };
  /** Twin rows: PSNR (dB) of the twin's output against the real preset's output. */
  agreementDb?: number;
}

export interface EvalPairOutputs {
  image: string;
  kind: DegradationKind;
  clean: EngineImage;
  degraded: EngineImage;
  outputs: Array<{ method: string; image: EngineImage }>;
}

export interface EvalResult {
  rows: EvalRow[];
  pairs: EvalPairOutputs[];
}

/** The config's presets in the engine's shape (as the pipeline passes them). */
export function enginePresetsOf(config: LoadedConfig, steps?: number): Record<string, EnhancePreset> {
  const out: Record<string, EnhancePreset> = {};
  for (const name of Object.keys(config.presets)) {
    out[name] = { ...resolvePreset(config.presets, name), ...(steps !== undefined ? { steps } : {}) };
  }
  return out;
}

/** The plan's kinds that apply to an image's modality (low-dose CT only for CT, …). */
export function kindsFor(img: EvalImage, kinds: readonly DegradationKind[]): DegradationKind[] {
  return kinds.filter((k) => kindAppliesTo(k, img.header.Modality));
}

/** Number of method runs the plan makes (for the progress bar). */
export function countRuns(plan: Pick<EvalPlan, 'images' | 'kinds' | 'baselines' | 'unimie' | 'ablate'>): number {
  let n = 0;
  for (const img of plan.images) {
    const columns = plan.unimie.filter((u) => u.presetFor(img) !== undefined).length;
    n += (plan.baselines.length + columns * (plan.ablate ? 2 : 1)) * kindsFor(img, plan.kinds).length;
  }
  return n;
}

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('evaluation cancelled');
}

/** Run the plan: one row per image × applicable kind × method. */
export async function runEvaluation(plan: EvalPlan): Promise<EvalResult> {
  const rows: EvalRow[] = [];
  const pairs: EvalPairOutputs[] = [];
  const total = countRuns(plan);
  let done = 0;
  const tick = (label: string) => plan.onProgress?.({ done: ++done, total, label });
  for (const img of plan.images) {
    for (const kind of kindsFor(img, plan.kinds)) {
      const degraded = degrade(img.image, kind, evalDegradeOptions(img, kind, plan.degradation));
      const ctx = pairContext(img.image, degraded);
      const [inputScores, cleanScores] = [scoreOutput(ctx, degraded), scoreOutput(ctx, img.image)];
      const entropyAllowed = Math.max(inputScores.backgroundEntropy, cleanScores.backgroundEntropy);
      const gradientAllowed = Math.max(inputScores.backgroundGradient, cleanScores.backgroundGradient);
      const scored = (out: EngineImage) => {
        const scores = scoreOutput(ctx, out);
        return {
          scores,
          backgroundFraction: ctx.backgroundFraction,
          backgroundEntropyChange: scores.backgroundEntropy - entropyAllowed,
          backgroundGradientChange: scores.backgroundGradient - gradientAllowed,
        };
      };
      const base = { image: img.name, set: img.set, modality: img.header.Modality, width: img.image.width, height: img.image.height, kind };
      const outputs: EvalPairOutputs['outputs'] = [];
      const keep = (method: string, image: EngineImage) => {
        if (plan.keepOutputs) outputs.push({ method, image });
      };
      for (const method of plan.baselines) {
        cancelled(plan.signal);
        const t0 = performance.now();
        const out = await runBaseline(method, degraded);
        rows.push({ ...base, method, ...scored(out), ms: performance.now() - t0 });
        keep(method, out);
        tick(`${img.name} ${kind} ${method}`);
      }
      for (const col of plan.unimie) {
        const presetName = col.presetFor(img);
        if (presetName === undefined) continue;
        const preset = plan.presets[presetName];
        if (!preset) throw new RangeError(`preset "${presetName}" is not defined in node.yaml`);
        if (!plan.engine) throw new Error('UniMIE columns need an engine');
        const variants = plan.ablate ? [false, true] : [false];
        let real: EngineImage | undefined;
        for (const networkFree of variants) {
          cancelled(plan.signal);
          const method = networkFree ? twinOf(col.column) : col.column;
          const r = await plan.engine.enhance(degraded, preset, { quality: false, signal: plan.signal, networkFree, blackLevels: [blackLevelOf(img)] });
          const out: EngineImage = isGrayImage(degraded) ? { width: degraded.width, height: degraded.height, gray: r.gray! } : r.image;
          rows.push({
            ...base,
            method,
            preset: presetName,
            ...scored(out),
            ms: r.timings.totalMs,
            steps: r.steps,
            backgroundProtected: r.backgroundProtected,
            applied: r.applied,
            model: { id: r.modelId, sha256: r.modelSha256 },
            ...(networkFree && real ? { agreementDb: agreementDb(out, real) } : {}),
          });
          if (!networkFree) real = out;
          keep(method, out);
          tick(`${img.name} ${kind} ${method}`);
        }
      }
      if (plan.keepOutputs) pairs.push({ image: img.name, kind, clean: img.image, degraded, outputs });
    }
  }
  return { rows, pairs };
}
