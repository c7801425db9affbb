/**
 * The quality gate's verdict (issue 20 item 5), judged from evaluation rows for every default
 * preset of one UniMIE column:
 * - per image and kind, a floor: PSNR ≥ the input's − 0.5 dB and SSIM ≥ the input's − 0.02;
 *   per kind, the mean beats the input on both;
 * - pooled over all kinds it beats CLAHE and gamma on PSNR and SSIM; pooled over the noisy kinds
 *   it beats the best classical denoiser + CLAHE on both;
 * - the label cannot drift from the measurement: a preset that contribution.json lets the node
 *   call UniMIE must gain ≥ the bar (1.0 dB) over its network-free twin pooled over the noisy
 *   kinds; one it does not must not clear the bar by more than `labelToleranceDb`;
 * - over the clean image's background (background-mask.ts, not the engine's), entropy and mean
 *   gradient do not rise by more than their limits above the larger of the degraded input's and
 *   the clean image's (EvalRow.backgroundEntropyChange): no structure that neither had. Against
 *   the input alone, restoring a darkened background's own noise would fail the clean image itself.
 * Missing rows (a preset, its twin, a baseline) fail the gate: it cannot pass on what it did not
 * see. Pure.
 */
import { earnsUnimieName, UNIMIE_CONTRIBUTION_BAR_DB, type ContributionRecord } from '../enhance/measured-contribution.js';
import { ablationOf, type AblationCell, type PresetAblation } from './ablation.js';
import { cappedDb } from './measures.js';
import type { EvalRow } from './run-eval.js';

export interface GateThresholds {
  /** Per image: the output's PSNR may be at most this far below the input's (dB). */
  perImagePsnrDropDb: number;
  /** Per image: the output's SSIM may be at most this far below the input's. */
  perImageSsimDrop: number;
  /** Background entropy may rise at most this much (bits; see EvalRow.backgroundEntropyChange). */
  maxBackgroundEntropyRise: number;
  /**
   * Background mean gradient may rise at most this much (grey levels / px; see EvalRow).
   * 0.5: re-quantising leaves a flat background flat, and over the gate's 31 (image, kind) cases
   * the median rise is 0.11 for CLAHE and 0.00 for a 1–99 % stretch; amplified noise moves it by
   * whole levels (gamma on low-light-noisy: 5.9–21), which the entropy check alone misses (a
   * monotone curve keeps every grey level distinct, so the entropy does not change).
   */
  maxBackgroundGradientRise: number;
  /** Pooled noisy-kind PSNR gain over the twin needed to be called UniMIE (dB). */
  contributionBarDb: number;
  /**
   * A preset labelled "not UniMIE" fails only when it clears the bar by more than this (dB). The
   * label comes from the last ablation (possibly another image set), and under-claiming is the
   * safe side. 0.5 dB is about twice the standard error of the pooled noisy gain here: per
   * (kind, image) the gain over the twin spread by about 0.45 dB on the gate subset, and each
   * preset has 3–8 noisy cases.
   */
  labelToleranceDb: number;
}

export const GATE_THRESHOLDS: GateThresholds = {
  perImagePsnrDropDb: 0.5,
  perImageSsimDrop: 0.02,
  maxBackgroundEntropyRise: 0.2,
  maxBackgroundGradientRise: 0.5,
  contributionBarDb: UNIMIE_CONTRIBUTION_BAR_DB,
  labelToleranceDb: 0.5,
};

export interface GateInput {
  rows: readonly EvalRow[];
  /** The UniMIE column judged (its twin is `<column>:twin`). */
  column: string;
  /** Every preset that must be judged (the default presets); one without rows fails. */
  presets: readonly string[];
  /** The committed contribution record (eval/results/contribution.json); undefined if absent. */
  record: ContributionRecord | undefined;
  thresholds?: GateThresholds;
}

export interface PresetGateFigures {
  preset: string;
  ablation?: PresetAblation;
  /** Whether the node would call this preset's output UniMIE (from the record and model hash). */
  labelledUnimie: boolean;
  /** Largest per-image PSNR and SSIM drops below the input (negative: every image improved). */
  worstPsnrDropDb: number;
  worstSsimDrop: number;
  /** Largest background entropy and gradient rises over the images that have a background. */
  maxBackgroundEntropyRise: number;
  maxBackgroundGradientRise: number;
  backgroundCases: number;
}

export interface GateVerdict {
  passed: boolean;
  presets: PresetGateFigures[];
  failures: string[];
}

const db = (v: number) => v.toFixed(2);
const sm = (v: number) => v.toFixed(3);

/** Fail unless `a` beats `b` (strictly) on PSNR and SSIM; NaN never beats. */
function beats(fail: (m: string) => void, what: string, real: { psnr: number; ssim: number }, other: { psnr: number; ssim: number } | undefined, name: string): void {
  if (!other) return fail(`${what}: no ${name} rows to compare with`);
  if (!(real.psnr > other.psnr)) fail(`${what}: PSNR ${db(real.psnr)} dB does not beat ${name}'s ${db(other.psnr)} dB`);
  if (!(real.ssim > other.ssim)) fail(`${what}: SSIM ${sm(real.ssim)} does not beat ${name}'s ${sm(other.ssim)}`);
}

function baselineOn(cell: AblationCell, name: string, fail: (m: string) => void, what: string) {
  const b = cell.baselines[name];
  if (b && b.cases < cell.cases) fail(`${what}: ${name} ran on ${b.cases} of ${cell.cases} cases`);
  return b && b.cases > 0 ? b : undefined;
}

function judgePreset(input: GateInput, preset: string, ablation: PresetAblation | undefined, t: GateThresholds, fail: (m: string) => void): PresetGateFigures {
  const rows = input.rows.filter((r) => r.method === input.column && r.preset === preset);
  const sha = ablation?.model?.sha256 ?? '';
  const labelledUnimie = earnsUnimieName(input.record, preset, sha);
  const figures: PresetGateFigures = { preset, ablation, labelledUnimie, worstPsnrDropDb: -Infinity, worstSsimDrop: -Infinity, maxBackgroundEntropyRise: -Infinity, maxBackgroundGradientRise: -Infinity, backgroundCases: 0 };
  if (!ablation || rows.length === 0) {
    fail(`${preset}: not evaluated (no ${input.column} rows)`);
    return figures;
  }
  for (const r of rows) {
    const at = `${preset} ${r.image}/${r.kind}`;
    const inp = input.rows.find((x) => x.method === 'input' && x.image === r.image && x.kind === r.kind);
    if (!inp) {
      fail(`${at}: no input row to compare with`);
      continue;
    }
    const [pOut, pIn] = [cappedDb(r.scores.psnr), cappedDb(inp.scores.psnr)];
    figures.worstPsnrDropDb = Math.max(figures.worstPsnrDropDb, pIn - pOut);
    figures.worstSsimDrop = Math.max(figures.worstSsimDrop, inp.scores.ssim - r.scores.ssim);
    if (!(pOut >= pIn - t.perImagePsnrDropDb)) fail(`${at}: PSNR ${db(pOut)} dB is more than ${t.perImagePsnrDropDb} dB below the input's ${db(pIn)} dB`);
    if (!(r.scores.ssim >= inp.scores.ssim - t.perImageSsimDrop)) fail(`${at}: SSIM ${sm(r.scores.ssim)} is more than ${t.perImageSsimDrop} below the input's ${sm(inp.scores.ssim)}`);
    if (!(r.backgroundFraction > 0)) continue;
    figures.backgroundCases++;
    figures.maxBackgroundEntropyRise = Math.max(figures.maxBackgroundEntropyRise, r.backgroundEntropyChange);
    figures.maxBackgroundGradientRise = Math.max(figures.maxBackgroundGradientRise, r.backgroundGradientChange);
    if (!(r.backgroundEntropyChange <= t.maxBackgroundEntropyRise)) fail(`${at}: background entropy rose by ${sm(r.backgroundEntropyChange)} bits (limit ${t.maxBackgroundEntropyRise})`);
    if (!(r.backgroundGradientChange <= t.maxBackgroundGradientRise)) fail(`${at}: background mean gradient rose by ${sm(r.backgroundGradientChange)} grey levels/px (limit ${t.maxBackgroundGradientRise})`);
  }
  if (figures.backgroundCases === 0) fail(`${preset}: no image has a background to check`);

  const cell = (scope: string) => ablation.cells.find((c) => c.scope === scope);
  for (const c of ablation.cells.filter((x) => !['noisy', 'classic', 'all'].includes(x.scope))) {
    beats(fail, `${preset} ${c.scope} mean`, c.real, baselineOn(c, 'input', fail, `${preset} ${c.scope}`), 'the input');
  }
  const all = cell('all')!;
  beats(fail, `${preset} all kinds`, all.real, baselineOn(all, 'clahe', fail, `${preset} all kinds`), 'clahe');
  beats(fail, `${preset} all kinds`, all.real, baselineOn(all, 'gamma', fail, `${preset} all kinds`), 'gamma');

  const noisy = cell('noisy');
  if (!noisy) {
    fail(`${preset}: no noisy kinds evaluated (the network's bar is measured on them)`);
    return figures;
  }
  beats(fail, `${preset} noisy kinds`, noisy.real, baselineOn(noisy, 'denoise-clahe', fail, `${preset} noisy kinds`), 'denoise-clahe');
  if (noisy.twin.cases < noisy.cases) {
    fail(`${preset} noisy kinds: its network-free twin ran on ${noisy.twin.cases} of ${noisy.cases} cases`);
    return figures;
  }
  const gain = noisy.contributionDb;
  if (labelledUnimie && !(gain >= t.contributionBarDb)) {
    fail(`${preset} network contribution: ${db(gain)} dB over its network-free twin on the noisy kinds is below the ${t.contributionBarDb} dB bar, but contribution.json lets it be called UniMIE`);
  }
  if (!labelledUnimie && gain >= t.contributionBarDb + t.labelToleranceDb) {
    fail(`${preset} network contribution: ${db(gain)} dB over its network-free twin on the noisy kinds clears the ${t.contributionBarDb} dB bar by more than ${t.labelToleranceDb} dB, but contribution.json does not let it be called UniMIE (rerun npm run eval -- --ablate)`);
  }
  return figures;
}

/** Judge every listed preset of the column; the failures name preset, image and kind. */
export function judgeGate(input: GateInput): GateVerdict {
  const t = input.thresholds ?? GATE_THRESHOLDS;
  const failures: string[] = [];
  const fail = (m: string) => {
    failures.push(m);
  };
  if (input.presets.length === 0) fail('no presets to judge');
  const ablations = ablationOf(input.rows).filter((a) => a.column === input.column);
  const presets = input.presets.map((p) => judgePreset(input, p, ablations.find((a) => a.preset === p), t, fail));
  return { passed: failures.length === 0, presets, failures };
}
