/**
 * Turns evaluation rows into the markdown table and the JSON summary `npm run eval` writes. Pure.
 */
import type { DegradationKind } from './degradations.js';
import type { EvalRow } from './run-eval.js';

export interface MethodSummary {
  method: string;
  kind: DegradationKind | 'all';
  cases: number;
  psnr: number;
  ssim: number;
  loe: number;
  entropy: number;
  backgroundEntropyDelta: number;
  meanGray: number;
  msPerImage: number;
}

export interface ReportMeta {
  createdAt: string;
  sets: string[];
  kinds: DegradationKind[];
  presets: Record<string, unknown>;
  model?: { id: string; version: string; sha256: string };
  notes: string[];
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** PSNR is infinite for a perfect output; cap it at 100 dB so means stay finite. */
function finitePsnr(v: number): number {
  return Math.min(v, 100);
}

function summaryOf(rows: EvalRow[], method: string, kind: MethodSummary['kind']): MethodSummary {
  return {
    method,
    kind,
    cases: rows.length,
    psnr: mean(rows.map((r) => finitePsnr(r.scores.psnr))),
    ssim: mean(rows.map((r) => r.scores.ssim)),
    loe: mean(rows.map((r) => r.scores.loe)),
    entropy: mean(rows.map((r) => r.scores.entropy)),
    backgroundEntropyDelta: mean(rows.map((r) => r.backgroundEntropyDelta)),
    meanGray: mean(rows.map((r) => r.scores.meanGray)),
    msPerImage: mean(rows.map((r) => r.ms)),
  };
}

/** Means per method and kind, plus per method over all kinds; methods in first-seen order. */
export function summariseRows(rows: readonly EvalRow[]): MethodSummary[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const out: MethodSummary[] = [];
  for (const method of methods) {
    const of = rows.filter((r) => r.method === method);
    for (const kind of kinds) {
      const k = of.filter((r) => r.kind === kind);
      if (k.length > 0) out.push(summaryOf(k, method, kind));
    }
    out.push(summaryOf(of, method, 'all'));
  }
  return out;
}

const f = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** Full-reference table: rows = methods, columns = PSNR / SSIM per kind and over all kinds; best in bold. */
export function fullReferenceTable(rows: readonly EvalRow[]): string {
  const summary = summariseRows(rows);
  const methods = [...new Set(summary.map((s) => s.method))];
  const kinds = [...new Set(summary.map((s) => s.kind))];
  const cell = (m: string, k: MethodSummary['kind']) => summary.find((s) => s.method === m && s.kind === k);
  const best = new Map<string, { psnr: number; ssim: number }>();
  for (const k of kinds) {
    const of = summary.filter((s) => s.kind === k);
    best.set(k, { psnr: Math.max(...of.map((s) => s.psnr)), ssim: Math.max(...of.map((s) => s.ssim)) });
  }
  const lines = [
    `| method | ${kinds.map((k) => `${k} PSNR / SSIM`).join(' | ')} |`,
    `|---|${kinds.map(() => '---:').join('|')}|`,
  ];
  for (const m of methods) {
    const cells = kinds.map((k) => {
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

/** No-reference table over all kinds: LOE, entropy, background entropy change, mean grey, time. */
export function noReferenceTable(rows: readonly EvalRow[], cleanMeanGray?: number): string {
  const summary = summariseRows(rows).filter((s) => s.kind === 'all');
  const lines = ['| method | LOE | entropy (bits) | Δ background entropy (bits) | mean grey | ms / image |', '|---|---:|---:|---:|---:|---:|'];
  for (const s of summary) {
    lines.push(`| ${s.method} | ${f(s.loe, 1)} | ${f(s.entropy, 2)} | ${f(s.backgroundEntropyDelta, 3)} | ${f(s.meanGray, 1)} | ${f(s.msPerImage, 0)} |`);
  }
  if (cleanMeanGray !== undefined) lines.push(`| *(clean images)* | | | | ${f(cleanMeanGray, 1)} | |`);
  return lines.join('\n');
}

export interface CleanStats {
  set: string;
  images: number;
  meanGray: number;
}

/** The whole markdown report: one pair of tables per set and one over everything. */
export function markdownReport(rows: readonly EvalRow[], meta: ReportMeta, clean: CleanStats[]): string {
  const sets = [...new Set(rows.map((r) => r.set))];
  const parts: string[] = [
    '# UniMIE evaluation',
    '',
    `Created ${meta.createdAt}. Degradations: ${meta.kinds.join(', ')}. ` +
      (meta.model ? `Model \`${meta.model.id}\` ${meta.model.version} (sha256 ${meta.model.sha256.slice(0, 12)}…).` : 'No UniMIE model loaded.'),
    '',
    'PSNR (dB) and SSIM against the clean image (channel mean for RGB), mean over images; best per column in bold. ' +
      'LOE: lightness order error against the degraded input (lower keeps the order of lightness better). ' +
      'Δ background entropy: |entropy of the output − of the input| over the input\'s dark border-connected background. ' +
      'NIQE is not reported: no npm package provides it.',
    '',
  ];
  const groups: Array<{ title: string; rows: EvalRow[]; clean?: number }> = [];
  if (sets.length > 1) groups.push({ title: 'All images', rows: [...rows], clean: weightedMean(clean) });
  for (const set of sets) {
    const c = clean.find((x) => x.set === set);
    groups.push({ title: `${set === 'heldout' ? 'Held-out set' : 'Sample studies'} (${c?.images ?? '?'} images)`, rows: rows.filter((r) => r.set === set), clean: c?.meanGray });
  }
  for (const g of groups) {
    parts.push(`## ${g.title}`, '', fullReferenceTable(g.rows), '', noReferenceTable(g.rows, g.clean), '');
  }
  if (meta.notes.length > 0) parts.push('## Notes', '', ...meta.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}

function weightedMean(clean: CleanStats[]): number | undefined {
  const n = clean.reduce((s, c) => s + c.images, 0);
  return n === 0 ? undefined : clean.reduce((s, c) => s + c.meanGray * c.images, 0) / n;
}
