/**
 * The ablation (issue 20 item 1): every UniMIE preset against its network-free twin on the same
 * degraded images, per degradation kind and pooled (noisy kinds, classic kinds, all), beside the
 * classical baselines on exactly the same cases. The network's contribution is the preset's mean
 * PSNR / SSIM minus the twin's; the agreement is the mean PSNR of the preset's output against the
 * twin's. Pure: evaluation rows in, figures and the ContributionRecord the node reads out.
 */
import { UNIMIE_CONTRIBUTION_BAR_DB, type ContributionRecord, type KindContribution } from '../enhance/measured-contribution.js';
import { CLASSIC_KINDS, NOISY_KINDS, type DegradationKind } from './degradations.js';
import { cappedDb } from './measures.js';
import { TWIN_SUFFIX, twinOf, type EvalRow } from './run-eval.js';

/** Pools of kinds reported beside the kinds themselves. */
export const KIND_POOLS = ['noisy', 'classic', 'all'] as const;
export type KindPool = (typeof KIND_POOLS)[number];
export type KindScope = DegradationKind | KindPool;

/** Baselines shown beside each preset (those present in the rows). */
export const ABLATION_BASELINES = ['input', 'clahe', 'gamma', 'denoise-clahe', 'denoise-gamma'] as const;

/** Whether a kind belongs to a scope (itself, or a pool). */
export function inScope(kind: DegradationKind, scope: KindScope): boolean {
  if (scope === 'all') return true;
  if (scope === 'noisy') return (NOISY_KINDS as readonly string[]).includes(kind);
  if (scope === 'classic') return (CLASSIC_KINDS as readonly string[]).includes(kind);
  return kind === scope;
}

/** Mean scores of one method over the cases of a cell; `cases` < the cell's when rows are missing. */
export interface MethodMean {
  cases: number;
  psnr: number;
  ssim: number;
}

export interface AblationCell {
  scope: KindScope;
  /** (image, kind) cases the preset ran on in this scope. */
  cases: number;
  real: MethodMean;
  twin: MethodMean;
  /** Baselines on the same cases, by name. */
  baselines: Record<string, MethodMean>;
  /** real − twin (dB, SSIM); NaN unless the twin ran on every case. */
  contributionDb: number;
  contributionSsim: number;
  /** Mean PSNR (dB, each capped at 100) of the preset's output against the twin's. */
  agreementDb: number;
}

export interface PresetAblation {
  /** The UniMIE column (e.g. `unimie`, routed per modality) and the preset it used. */
  column: string;
  preset: string;
  model?: { id: string; sha256: string };
  /** Kinds in first-seen order, then the pools that have cases. */
  cells: AblationCell[];
}

const keyOf = (r: EvalRow) => `${r.image}\u0000${r.kind}`;

function meanOf(rows: readonly EvalRow[]): MethodMean {
  const n = rows.length;
  const sum = (f: (r: EvalRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  return { cases: n, psnr: n === 0 ? Number.NaN : sum((r) => cappedDb(r.scores.psnr)) / n, ssim: n === 0 ? Number.NaN : sum((r) => r.scores.ssim) / n };
}

/** Rows of one method restricted to a set of case keys. */
function onCases(rows: readonly EvalRow[], method: string, preset: string | undefined, keys: ReadonlySet<string>): EvalRow[] {
  return rows.filter((r) => r.method === method && (preset === undefined || r.preset === preset) && keys.has(keyOf(r)));
}

function cellOf(rows: readonly EvalRow[], column: string, preset: string, real: readonly EvalRow[], scope: KindScope, baselines: readonly string[]): AblationCell {
  const keys = new Set(real.map(keyOf));
  const twinRows = onCases(rows, twinOf(column), preset, keys);
  const r = meanOf(real);
  const t = meanOf(twinRows);
  const complete = twinRows.length === real.length;
  const agreements = twinRows.map((x) => cappedDb(x.agreementDb ?? Number.NaN));
  return {
    scope,
    cases: real.length,
    real: r,
    twin: t,
    baselines: Object.fromEntries(baselines.map((b) => [b, meanOf(onCases(rows, b, undefined, keys))])),
    contributionDb: complete ? r.psnr - t.psnr : Number.NaN,
    contributionSsim: complete ? r.ssim - t.ssim : Number.NaN,
    agreementDb: complete && agreements.length > 0 ? agreements.reduce((s, v) => s + v, 0) / agreements.length : Number.NaN,
  };
}

/** The UniMIE (column, preset) pairs in the rows: rows with a preset whose method is not a twin. */
export function presetColumns(rows: readonly EvalRow[]): Array<{ column: string; preset: string }> {
  const seen = new Map<string, { column: string; preset: string }>();
  for (const r of rows) {
    if (r.preset === undefined || r.method.endsWith(TWIN_SUFFIX)) continue;
    seen.set(`${r.method}\u0000${r.preset}`, { column: r.method, preset: r.preset });
  }
  return [...seen.values()];
}

/** Ablation figures of every UniMIE preset in the rows, per kind and pooled. */
export function ablationOf(rows: readonly EvalRow[], baselines: readonly string[] = ABLATION_BASELINES): PresetAblation[] {
  const present = baselines.filter((b) => rows.some((r) => r.method === b));
  return presetColumns(rows).map(({ column, preset }) => {
    const real = rows.filter((r) => r.method === column && r.preset === preset);
    const kinds = [...new Set(real.map((r) => r.kind))];
    const scopes: KindScope[] = [...kinds, ...KIND_POOLS.filter((p) => real.some((r) => inScope(r.kind, p)))];
    const model = real.find((r) => r.model)?.model;
    return {
      column,
      preset,
      ...(model ? { model } : {}),
      cells: scopes.map((scope) => cellOf(rows, column, preset, real.filter((r) => inScope(r.kind, scope)), scope, present)),
    };
  });
}

/** A finite number for JSON (NaN and ±Infinity become 0; the `cases` count says what it rests on). */
const finite = (v: number) => (Number.isFinite(v) ? v : 0);

function contributionOf(cell: AblationCell | undefined): KindContribution {
  if (!cell || !Number.isFinite(cell.contributionDb)) return { cases: 0, contributionDb: 0, contributionSsim: 0, agreementDb: 0 };
  return { cases: cell.cases, contributionDb: finite(cell.contributionDb), contributionSsim: finite(cell.contributionSsim), agreementDb: finite(cell.agreementDb) };
}

export interface ContributionMeta {
  createdAt: string;
  commit: string;
  set: string;
}

/**
 * The record `eval --ablate` writes (eval/results/contribution.json). One entry per preset (the
 * first column that ran it); a preset meets the bar only when its twin ran on noisy cases and the
 * pooled noisy gain is at least UNIMIE_CONTRIBUTION_BAR_DB — on the whole set and, where
 * `gateAblations` (the same run restricted to the CI gate's images) has noisy cases, there too:
 * the name must hold on every measurement that judges it.
 */
export function contributionRecord(
  ablations: readonly PresetAblation[],
  meta: ContributionMeta,
  barDb = UNIMIE_CONTRIBUTION_BAR_DB,
  gateAblations: readonly PresetAblation[] = [],
): ContributionRecord {
  const presets: ContributionRecord['presets'] = {};
  for (const a of ablations) {
    if (presets[a.preset] || !a.model) continue;
    const noisy = contributionOf(a.cells.find((c) => c.scope === 'noisy'));
    const perKind = Object.fromEntries(a.cells.filter((c) => !(KIND_POOLS as readonly string[]).includes(c.scope)).map((c) => [c.scope, contributionOf(c)]));
    const gateCell = gateAblations.find((g) => g.column === a.column && g.preset === a.preset)?.cells.find((c) => c.scope === 'noisy');
    const gateSubset = gateCell ? contributionOf(gateCell) : undefined;
    const gateHolds = !gateSubset || gateSubset.cases === 0 || gateSubset.contributionDb >= barDb;
    presets[a.preset] = {
      model: { id: a.model.id, sha256: a.model.sha256 },
      noisy,
      all: contributionOf(a.cells.find((c) => c.scope === 'all')),
      perKind,
      ...(gateSubset && gateSubset.cases > 0 ? { gateSubset } : {}),
      meetsBar: noisy.cases > 0 && noisy.contributionDb >= barDb && gateHolds,
    };
  }
  return { createdAt: meta.createdAt, commit: meta.commit, set: meta.set, barDb, presets };
}
