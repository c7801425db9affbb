/**
 * The evaluation loop: every clean image × degradation × method (baselines and UniMIE presets),
 * scored against the clean image. I/O-free apart from the engine it is given.
 */
import type { LoadedConfig } from '../config/load.js';
import type { EnhancementEngine } from '../enhance/engine.js';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import type { EnhancePreset } from '../enhance/preset.js';
import { runBaseline, type BaselineName } from './baselines.js';
import { degrade, type DegradationKind, type DegradationParams } from './degradations.js';
import type { EvalImage } from './heldout-set.js';
import { pairContext, scoreOutput, type ImageScores } from './measures.js';

/** One UniMIE column: a fixed preset, or (presetFor) the preset the rules give each image. */
export interface UnimieColumn {
  column: string;
  presetFor: (img: EvalImage) => string | undefined;
}

export interface EvalPlan {
  images: readonly EvalImage[];
  kinds: readonly DegradationKind[];
  baselines: readonly BaselineName[];
  unimie: readonly UnimieColumn[];
  presets: Readonly<Record<string, EnhancePreset>>;
  engine?: EnhancementEngine;
  degradation?: DegradationParams;
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
  /** |background entropy of the output − of the unchanged input| in bits. */
  backgroundEntropyDelta: number;
  ms: number;
  /** UniMIE only: network steps actually run and whether the background was kept. */
  steps?: number;
  backgroundProtected?: boolean;
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
  for (const [name, p] of Object.entries(config.presets)) {
    const { name: _name, ...rest } = p;
    out[name] = { ...(rest as EnhancePreset), ...(steps !== undefined ? { steps } : {}) };
  }
  return out;
}

/** Number of method runs the plan makes (for the progress bar). */
export function countRuns(plan: Pick<EvalPlan, 'images' | 'kinds' | 'baselines' | 'unimie'>): number {
  let n = 0;
  for (const img of plan.images) n += plan.baselines.length + plan.unimie.filter((u) => u.presetFor(img) !== undefined).length;
  return n * plan.kinds.length;
}

export async function runEvaluation(plan: EvalPlan): Promise<EvalResult> {
  const rows: EvalRow[] = [];
  const pairs: EvalPairOutputs[] = [];
  const total = countRuns(plan);
  let done = 0;
  const tick = (label: string) => plan.onProgress?.({ done: ++done, total, label });
  for (const img of plan.images) {
    for (const kind of plan.kinds) {
      const degraded = degrade(img.image, kind, plan.degradation);
      const ctx = pairContext(img.image, degraded);
      const inputBackgroundEntropy = scoreOutput(ctx, degraded).backgroundEntropy;
      const scored = (out: EngineImage) => {
        const scores = scoreOutput(ctx, out);
        return { scores, backgroundEntropyDelta: Math.abs(scores.backgroundEntropy - inputBackgroundEntropy) };
      };
      const base = { image: img.name, set: img.set, modality: img.header.Modality, width: img.image.width, height: img.image.height, kind };
      const outputs: EvalPairOutputs['outputs'] = [];
      for (const method of plan.baselines) {
        if (plan.signal?.aborted) throw plan.signal.reason ?? new Error('evaluation cancelled');
        const t0 = performance.now();
        const out = await runBaseline(method, degraded);
        rows.push({ ...base, method, ...scored(out), ms: performance.now() - t0 });
        if (plan.keepOutputs) outputs.push({ method, image: out });
        tick(`${img.name} ${kind} ${method}`);
      }
      for (const col of plan.unimie) {
        const presetName = col.presetFor(img);
        if (presetName === undefined) continue;
        const preset = plan.presets[presetName];
        if (!preset) throw new RangeError(`preset "${presetName}" is not defined in node.yaml`);
        if (!plan.engine) throw new Error('UniMIE columns need an engine');
        const r = await plan.engine.enhance(degraded, preset, { quality: false, signal: plan.signal });
        const out: EngineImage = isGrayImage(degraded) ? { width: degraded.width, height: degraded.height, gray: r.gray! } : r.image;
        rows.push({ ...base, method: col.column, preset: presetName, ...scored(out), ms: r.timings.totalMs, steps: r.steps, backgroundProtected: r.backgroundProtected });
        if (plan.keepOutputs) outputs.push({ method: col.column, image: out });
        tick(`${img.name} ${kind} ${col.column}`);
      }
      if (plan.keepOutputs) pairs.push({ image: img.name, kind, clean: img.image, degraded, outputs });
    }
  }
  return { rows, pairs };
}
