/**
 * Turns evaluation rows into the markdown report and the JSON summary `npm run eval` writes:
 * noisy and classic kinds in separate tables, the pools, the no-reference figures, and the
 * ablation of every UniMIE preset against its network-free twin. Pure.
 */
import { ablationOf, inScope, KIND_POOLS, type AblationCell, type KindScope, type PresetAblation } from './ablation.js';
import { CLASSIC_KINDS, NOISY_KINDS, type DegradationKind } from './degradations.js';
import { cappedDb } from './measures.js';
import type { EvalRow } from './run-eval.js';

export interface MethodSummary {
  method: string;
  kind: KindScope;
  cases: number;
  psnr: number;
  ssim: number;
  loe: number;
  entropy: number;
  /** Mean change of background entropy (bits) and mean gradient (grey levels / px) over the input's. */
  backgroundEntropyChange: number;
  backgroundGradientChange: number;
  meanGray: number;
  msPerImage: number;
}

export interface ReportMeta {
  createdAt: string;
  /** Commit the evaluation ran on (git HEAD), or "unknown". */
  commit: string;
  sets: string[];
  kinds: DegradationKind[];
  presets: Record<string, unknown>;
  model?: { id: string; version: string; sha256: string };
  notes: string[];
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

function summaryOf(rows: EvalRow[], method: string, kind: KindScope): MethodSummary {
  const withBackground = rows.filter((r) => r.backgroundFraction > 0);
  return {
    method,
    kind,
    cases: rows.length,
    psnr: mean(rows.map((r) => cappedDb(r.scores.psnr))),
    ssim: mean(rows.map((r) => r.scores.ssim)),
    loe: mean(rows.map((r) => r.scores.loe)),
    entropy: mean(rows.map((r) => r.scores.entropy)),
    backgroundEntropyChange: mean(withBackground.map((r) => r.backgroundEntropyChange)),
    backgroundGradientChange: mean(withBackground.map((r) => r.backgroundGradientChange)),
    meanGray: mean(rows.map((r) => r.scores.meanGray)),
    msPerImage: mean(rows.map((r) => r.ms)),
  };
}

/** Means per method and kind, then per method over each pool that has rows; methods in first-seen order. */
export function summariseRows(rows: readonly EvalRow[]): MethodSummary[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const out: MethodSummary[] = [];
  for (const method of methods) {
    const of = rows.filter((r) => r.method === method);
    for (const scope of [...kinds, ...KIND_POOLS] as KindScope[]) {
      const k = of.filter((r) => inScope(r.kind, scope));
      if (k.length > 0) out.push(summaryOf(k, method, scope));
    }
  }
  return out;
}

const f = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const signed = (v: number, digits: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : '–');

/** Full-reference table over the given scopes: rows = methods, PSNR / SSIM per scope; best in bold. */
export function fullReferenceTable(rows: readonly EvalRow[], scopes?: readonly KindScope[]): string {
  const summary = summariseRows(rows);
  const methods = [...new Set(summary.map((s) => s.method))];
  const cols = (scopes ?? [...new Set(summary.map((s) => s.kind))]).filter((k) => summary.some((s) => s.kind === k));
  const cell = (m: string, k: KindScope) => summary.find((s) => s.method === m && s.kind === k);
  const best = new Map<KindScope, { psnr: number; ssim: number }>();
  for (const k of cols) {
    const of = summary.filter((s) => s.kind === k);
    best.set(k, { psnr: Math.max(...of.map((s) => s.psnr)), ssim: Math.max(...of.map((s) => s.ssim)) });
  }
  const lines = [`| method | ${cols.map((k) => `${k} PSNR / SSIM`).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  for (const m of methods) {
    const cells = cols.map((k) => {
      const s = cell(m, k);
      if (!s) return '';
      const b = best.get(k)!;
      const p = s.psnr === b.psnr ? `**${f(s.psnr, 2)}**` : f(s.psnr, 2);
      const q = s.ssim === b.ssim ? `**${f(s.ssim, 3)}**` : f(s.ssim, 3);
      return `${p} / ${q}`;
    });
    lines.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** No-reference table over all kinds: LOE, entropy, background changes, mean grey, time. */
export function noReferenceTable(rows: readonly EvalRow[], cleanMeanGray?: number): string {
  const summary = summariseRows(rows).filter((s) => s.kind === 'all');
  const lines = [
    '| method | LOE | entropy (bits) | Δ background entropy (bits) | Δ background gradient (levels/px) | mean grey | ms / image |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of summary) {
    lines.push(`| ${s.method} | ${f(s.loe, 1)} | ${f(s.entropy, 2)} | ${signed(s.backgroundEntropyChange, 3)} | ${signed(s.backgroundGradientChange, 2)} | ${f(s.meanGray, 1)} | ${f(s.msPerImage, 0)} |`);
  }
  if (cleanMeanGray !== undefined) lines.push(`| *(clean images)* | | | | | ${f(cleanMeanGray, 1)} | |`);
  return lines.join('\n');
}

const pair = (m: { psnr: number; ssim: number; cases: number } | undefined) => (m && m.cases > 0 ? `${f(m.psnr, 2)} / ${f(m.ssim, 3)}` : '');

/**
 * One preset's ablation: a line per kind and pool with the baselines on the same cases, the
 * preset, its network-free twin, the network's contribution (preset − twin) and the agreement.
 */
export function ablationTable(a: PresetAblation): string {
  const baselines = [...new Set(a.cells.flatMap((c) => Object.keys(c.baselines)))];
  const lines = [
    `| kind | cases | ${baselines.join(' | ')} | ${a.preset} | twin | Δ network PSNR / SSIM | agreement (dB) |`,
    `|---|---:|${baselines.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ];
  const row = (c: AblationCell) =>
    `| ${(KIND_POOLS as readonly string[]).includes(c.scope) ? `**${c.scope}**` : c.scope} | ${c.cases} | ${baselines.map((b) => pair(c.baselines[b])).join(' | ')} | ${pair(c.real)} | ${pair(c.twin)} | ${signed(c.contributionDb, 2)} / ${signed(c.contributionSsim, 3)} | ${f(c.agreementDb, 1)} |`;
  lines.push(...a.cells.map(row));
  return lines.join('\n');
}

/** The ablation section: one table per UniMIE preset that ran beside its twin. */
export function ablationSection(rows: readonly EvalRow[]): string[] {
  const ablations = ablationOf(rows).filter((a) => a.cells.some((c) => c.twin.cases > 0));
  if (ablations.length === 0) return [];
  const parts = [
    '## Ablation: each preset against its network-free twin',
    '',
    'The twin is the same preset with the network replaced by the engine\'s own start estimate (no model call). ' +
      'Δ network = preset − twin (mean PSNR dB / SSIM against the clean image); agreement = mean PSNR of the preset\'s output against the twin\'s (high: the network changed little). ' +
      'Baselines on exactly the same images and kinds.',
    '',
  ];
  for (const a of ablations) {
    parts.push(`### ${a.column === 'unimie' ? a.preset : `${a.column} (${a.preset})`}`, '', ablationTable(a), '');
  }
  return parts;
}

export interface CleanStats {
  set: string;
  images: number;
  meanGray: number;
}

const SET_TITLES: Record<string, string> = { sample: 'Sample studies', dev: 'Development set', heldout: 'Held-out set' };

function resultTables(rows: EvalRow[], clean: number | undefined): string[] {
  const kinds = new Set(rows.map((r) => r.kind));
  const noisy: KindScope[] = [...NOISY_KINDS.filter((k) => kinds.has(k)), 'noisy'];
  const classic: KindScope[] = [...CLASSIC_KINDS.filter((k) => kinds.has(k)), 'classic'];
  const out: string[] = [];
  if (rows.some((r) => inScope(r.kind, 'noisy'))) out.push('### Noisy kinds', '', fullReferenceTable(rows, noisy), '');
  if (rows.some((r) => inScope(r.kind, 'classic'))) out.push('### Classic kinds (no noise)', '', fullReferenceTable(rows, classic), '');
  out.push('### Pooled', '', fullReferenceTable(rows, ['noisy', 'classic', 'all']), '', noReferenceTable(rows, clean), '');
  return out;
}

/** The whole markdown report: tables per set (and over all sets), then the ablation. */
export function markdownReport(rows: readonly EvalRow[], meta: ReportMeta, clean: CleanStats[]): string {
  const sets = [...new Set(rows.map((r) => r.set))];
  const parts: string[] = [
    '# UniMIE evaluation',
    '',
    `Created ${meta.createdAt} at commit \`${meta.commit}\`. Degradations: ${meta.kinds.join(', ')} (kinds that do not apply to a modality are skipped for its images). ` +
      (meta.model ? `Model \`${meta.model.id}\` ${meta.model.version} (sha256 ${meta.model.sha256.slice(0, 12)}…).` : 'No UniMIE model loaded.'),
    '',
    'PSNR (dB, capped at 100) and SSIM against the clean image (channel mean for RGB), mean over images; best per column in bold. ' +
      'LOE: lightness order error against the degraded input (lower keeps the order of lightness better). ' +
      'Δ background: entropy and mean gradient of the output over the clean image\'s background (Otsu dark side connected to the border, eroded 3 px), minus the larger of the degraded input\'s and the clean image\'s (positive: structure neither had). ' +
      'NIQE is not reported: no npm package provides it.',
    '',
  ];
  const groups: Array<{ title: string; rows: EvalRow[]; clean?: number }> = [];
  if (sets.length > 1) groups.push({ title: 'All images', rows: [...rows], clean: weightedMean(clean) });
  for (const set of sets) {
    const c = clean.find((x) => x.set === set);
    groups.push({ title: `${SET_TITLES[set] ?? set} (${c?.images ?? '?'} images)`, rows: rows.filter((r) => r.set === set), clean: c?.meanGray });
  }
  for (const g of groups) parts.push(`## ${g.title}`, '', ...resultTables(g.rows, g.clean));
  parts.push(...ablationSection(rows));
  if (meta.notes.length > 0) parts.push('## Notes', '', ...meta.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}

function weightedMean(clean: CleanStats[]): number | undefined {
  const n = clean.reduce((s, c) => s + c.images, 0);
  return n === 0 ? undefined : clean.reduce((s, c) => s + c.meanGray * c.images, 0) / n;
}
