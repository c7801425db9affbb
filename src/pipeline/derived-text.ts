import type { Dataset } from '../dicom/part10.js';
import type { AppliedProcessing, ClassicalStep } from '../enhance/applied-processing.js';
import { derivationCodesFor, type CodedConcept } from '../derive/codes.js';
import { fitText } from '../derive/dicom-text.js';
import { outputKindNamed } from '../derive/output-kinds.js';
import { seriesDescriptionFor } from '../derive/series-description.js';
import { signed, type PresetMeasurement, type RunNaming } from './run-naming.js';
import type { PresetDescription } from '../enhance/preset-description.js';

/**
 * The texts a derived series carries about what produced its pixels: Series Description (short,
 * one per series) and Derivation Description (the full record, one per image). Both name exactly
 * what ran; only a preset that earned the name (run-naming.ts) is called UniMIE. ASCII only: the
 * derived object keeps the source's Specific Character Set (PS3.3 C.12.1.1.2).
 */

/**
 * Series Number of a derived series: the source's number plus 1000 per window preset
 * (source 5 → 1005 for the first window, 2005 for the second), so the relation is readable in the
 * viewer and two windows of one source never collide.
 */
export function derivedSeriesNumber(source: Dataset, windowIndex: number): number {
  const sourceNumber = Number.parseInt(String(source.SeriesNumber ?? '0'), 10);
  const base = Number.isFinite(sourceNumber) && sourceNumber >= 0 ? sourceNumber % 1000 : 0;
  return base + 1000 * (windowIndex + 1);
}

/** Words for each classical step, in the Derivation Description. */
export const CLASSICAL_STEP_TEXT: Record<ClassicalStep, string> = {
  'contrast-stretch': 'percentile contrast stretch (p1-p99.9 over all channels)',
  'gamma-start': 'gamma brightening of the sampler start',
  'local-gamma-start': 'local gamma illumination correction of the sampler start',
  'detail-transfer': "detail transfer (the input's fine structure on the result's low-pass)",
  'detail-boost': 'detail boost (unsharp mask)',
  'background-copy': 'background (dark region connected to the border) kept from the input',
  'background-smoothing': 'background (dark region connected to the border) taken from a smoothed copy of the noisy input',
};

/**
 * The classical step that names a classical series, first match wins, with its labels from long
 * to short (the shortest still fits beside `soft-tissue` and the warning in 64 characters).
 */
const CLASSICAL_LABELS: Array<[ClassicalStep, ...string[]]> = [
  ['local-gamma-start', 'illumination corr.', 'illum. corr.', 'illum.'],
  ['gamma-start', 'gamma brightening', 'brightening', 'gamma'],
  ['contrast-stretch', 'contrast stretch', 'stretch'],
  ['detail-boost', 'sharpening'],
];

/**
 * What the Series Description says ran, longest form first (seriesDescriptionFor takes the
 * shorter forms when the text would pass 64 characters): `enhanced (UniMIE <model> <n> NFE)` for
 * a preset that earned the name, `<main classical step> (classical)` otherwise, `enhanced
 * (unvalidated)` for a run with no classical step whose network did not earn the name.
 */
export function seriesWhat(preset: PresetDescription, run: RunNaming | undefined): string[] {
  if (run?.unimie) {
    const n = run.applied.networkEvaluationsPerPatch;
    return [`enhanced (UniMIE ${preset.modelId} ${n} NFE)`, `UniMIE ${preset.modelId} ${n} NFE`, `UniMIE ${n} NFE`, 'UniMIE'];
  }
  const main = CLASSICAL_LABELS.find(([step]) => run?.applied.classical.includes(step));
  if (main) return [...main.slice(1).map((label) => `${label} (classical)`), 'classical'];
  if (run && run.applied.classical.length > 0) return ['enhanced (classical)', 'classical'];
  return ['enhanced (unvalidated)', 'unvalidated'];
}

/**
 * Series Description of a derived series (LO ≤ 64). `run` is what ran on the series' first image
 * (the caller keeps one text per series: it is a series-level attribute, PS3.3 C.7.3.1); without
 * it (what ran not recorded) an enhancement is never called UniMIE.
 */
export function describeSeries(source: Dataset, windowName: string, preset: PresetDescription | undefined, run?: RunNaming): string {
  return seriesDescriptionFor({
    sourceDescription: typeof source.SeriesDescription === 'string' ? source.SeriesDescription : undefined,
    windowName,
    what: preset ? seriesWhat(preset, run) : undefined,
  });
}

export interface DerivationTextInput {
  window?: { name: string; center: number; width: number };
  windowName: string;
  preset?: PresetDescription;
  /** What ran on this image and what it is called; absent = not recorded (never UniMIE). */
  run?: RunNaming;
  /** Used only when `run` is absent (the background copy is otherwise one of the classical steps). */
  backgroundProtected: boolean;
  /** Output kind; `derived-grayscale` says how the values were mapped back. */
  outputKind?: string;
}

/**
 * Derivation Description (PS3.3 C.12.4.1.1, ST ≤ 1024): the window, then what produced the
 * pixels: UniMIE with its measured contribution, or the classical enhancement with the reason it
 * is not called UniMIE; the model (id, version, hash), the network evaluations per patch, the
 * start timestep, the patch grid, every classical step, preset and seed.
 */
export function derivationDescriptionFor(input: DerivationTextInput): string {
  const w = input.window
    ? `window ${input.window.name} (C ${round(input.window.center)} W ${round(input.window.width)})`
    : 'colour source (no window)';
  const parts = [`Rendered to 8-bit RGB with ${w}.`];
  const p = input.preset;
  const run = input.run;
  if (p && run) {
    const steps = run.applied.classical.map((s) => CLASSICAL_STEP_TEXT[s]);
    if (run.unimie) {
      parts.push(`UniMIE diffusion enhancement: ${samplerText(p, run.applied)}.`);
      parts.push(`Classical steps: ${steps.length > 0 ? steps.join(', ') : 'none'}.`);
    } else {
      parts.push(`Classical enhancement, not UniMIE (${run.reason}): ${steps.length > 0 ? steps.join(', ') : 'no classical step'}.`);
      parts.push(`Sampler also run: ${samplerText(p, run.applied)}.`);
    }
    if (run.measurement) parts.push(measurementText(run.measurement));
  } else if (p) {
    parts.push(
      `Enhanced with model ${p.modelId} ${p.modelVersion} sha256:${p.modelSha256.slice(0, 16)}, preset ${p.preset} (${p.steps}-step schedule, seed ${p.seed}); ` +
        'what ran was not recorded, so it is not called UniMIE.',
    );
    if (input.backgroundProtected) parts.push('Background (dark region connected to the border) kept from the input.');
  } else {
    parts.push('No enhancement (render-only stage).');
  }
  const note = input.outputKind === undefined ? undefined : outputKindNamed(input.outputKind)?.derivationNote;
  if (note) parts.push(note);
  parts.push('Not for primary diagnosis.');
  return fitText(parts.join(' '), 'ST');
}

/**
 * Derivation Code Sequence (CID 7203) of one image: the prior only when it earned the name, then
 * each classical step applied (codes.ts says which concept and why); none for render-only output.
 */
export function derivationCodesOfRun(run: RunNaming | undefined): readonly CodedConcept[] {
  return run ? derivationCodesFor({ unimie: run.unimie, classical: run.applied.classical }) : [];
}

/** Contribution Description (ST) of the processing equipment item (PS3.3 C.12.1): what ran, in short. */
export function contributionDescriptionFor(preset: PresetDescription | undefined, run: RunNaming | undefined): string {
  if (!preset) return 'Windowed rendering to RGB';
  if (!run) return `Image enhancement with model ${preset.modelId} (what ran not recorded)`;
  const n = run.applied.networkEvaluationsPerPatch;
  if (run.unimie) return `UniMIE diffusion enhancement (model ${preset.modelId}, ${n} network evaluation${n === 1 ? '' : 's'} per patch)`;
  const steps = run.applied.classical.join(', ') || 'no classical step';
  return `Classical enhancement (${steps}); not UniMIE: ${run.reason}`;
}

/** The sampler as it ran: model, estimator, network evaluations, start, patch grid, preset, seed. */
function samplerText(p: PresetDescription, a: AppliedProcessing): string {
  const estimator =
    a.estimator === 'network'
      ? `${a.networkEvaluationsPerPatch} network evaluation${a.networkEvaluationsPerPatch === 1 ? '' : 's'} per patch`
      : 'network-free (start estimate in place of the network, 0 network evaluations)';
  const start = a.anchoredStart ? `from timestep ${a.startTimestep} (start anchored on the input)` : `from timestep ${a.startTimestep} (pure-noise start)`;
  const grid = `patch ${a.patchSize} stride ${a.stride} (${a.patchesPerImage} patch${a.patchesPerImage === 1 ? '' : 'es'} per image${a.patchesPerImage > 1 ? ', overlaps averaged' : ''})`;
  return `model ${p.modelId} ${p.modelVersion} sha256:${p.modelSha256.slice(0, 16)}, ${estimator} ${start}, ${grid}, preset ${p.preset} (${p.steps}-step schedule, seed ${p.seed})`;
}

/** The last ablation's figures for the preset. */
export function measurementText(m: PresetMeasurement): string {
  return (
    `Measured on the ${m.set} set (commit ${m.commit.slice(0, 12)}, ${m.createdAt.slice(0, 10)}, model sha256:${m.modelSha256.slice(0, 16)}): ` +
    `${signed(m.noisy.contributionDb, 2)} dB PSNR and ${signed(m.noisy.contributionSsim, 3)} SSIM over the network-free twin on noisy kinds ` +
    `(${m.noisy.cases} cases), agreement ${m.noisy.agreementDb.toFixed(1)} dB; bar ${m.barDb} dB.`
  );
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
