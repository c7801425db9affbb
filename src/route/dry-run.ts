import fs from 'node:fs/promises';
import { describeActions } from './describe-actions.js';
import path from 'node:path';
import type { DeepReadonly } from '../config/deep-freeze.js';
import type { Rule } from '../config/types.js';
import { notAnImageReason } from '../dicom/image-object.js';
import { readPart10 } from '../dicom/part10.js';
import { notProcessedReason } from '../dicom/transfer-syntax.js';
import { errorMessage } from '../shared/errors.js';
import { firedDecisions, matchRules, type Decision } from './match-rules.js';

export type DryRunEntry =
  | {
      path: string;
      ok: true;
      modality?: string;
      sopInstanceUid?: string;
      seriesInstanceUid?: string;
      /** Names of the rules that fire, in order. */
      fired: string[];
      decisions: Decision[];
      /**
       * Why a processing rule that fires would not process this object (no image object, or a
       * transfer syntax the node does not decode): the job lists it with this reason and skips it.
       */
      notProcessed?: string;
    }
  | { path: string; ok: false; error: string };

export interface DryRunReport {
  entries: DryRunEntry[];
  /** Rule name → number of files it fires for. */
  counts: Record<string, number>;
  unreadable: number;
}

export interface DryRunOptions {
  /** The calling / called AE titles to assume (a file carries none). */
  callingAe?: string;
  calledAe?: string;
}

/** Every file under the given files and folders: recursive, sorted by name, dot files skipped. */
export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const nested = await Promise.all(
    paths.map(async (p) => {
      if (!(await fs.stat(p)).isDirectory()) return [p];
      const names = (await fs.readdir(p)).filter((n) => !n.startsWith('.')).sort();
      return collectFiles(names.map((n) => path.join(p, n)));
    }),
  );
  return nested.flat();
}

/**
 * Evaluates the rules against files and folders (recursively), reading only each file's header.
 * Sends nothing and writes nothing. Files that are not DICOM are listed with the reason.
 */
export async function dryRun(
  config: { readonly rules: ReadonlyArray<DeepReadonly<Rule>> },
  paths: readonly string[],
  options: DryRunOptions = {},
): Promise<DryRunReport> {
  const entries: DryRunEntry[] = [];
  for (const p of paths) {
    let files: string[];
    try {
      files = await collectFiles([p]);
    } catch (err) {
      entries.push({ path: p, ok: false, error: errorMessage(err) });
      continue;
    }
    for (const file of files) entries.push(await evaluateFile(config.rules, file, options));
  }
  // In rule order, so the summary reads like rules.yaml.
  const counts: Record<string, number> = {};
  for (const rule of config.rules) {
    const n = entries.filter((e) => e.ok && e.fired.includes(rule.name)).length;
    if (n > 0) counts[rule.name] = n;
  }
  return { entries, counts, unreadable: entries.filter((e) => !e.ok).length };
}

async function evaluateFile(rules: ReadonlyArray<DeepReadonly<Rule>>, file: string, options: DryRunOptions): Promise<DryRunEntry> {
  try {
    const { dataset, transferSyntaxUid } = readPart10(await fs.readFile(file), { untilPixelData: true });
    const decisions = matchRules(rules, { callingAe: options.callingAe, calledAe: options.calledAe, header: dataset });
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      path: file,
      ok: true,
      modality: str(dataset.Modality),
      sopInstanceUid: str(dataset.SOPInstanceUID),
      seriesInstanceUid: str(dataset.SeriesInstanceUID),
      fired: firedDecisions(decisions).map((d) => d.rule),
      decisions,
      notProcessed: notAnImageReason(dataset) ?? notProcessedReason(transferSyntaxUid),
    };
  } catch (err) {
    return { path: file, ok: false, error: errorMessage(err) };
  }
}

function describeDecision(d: Decision): string {
  if (d.actions.kind === 'drop') return 'drop';
  const c = d.completion;
  return `${describeActions(d.actions)}; complete per ${c.scope} after ${c.quietSeconds} s quiet`;
}

/** The report as text: per file the rules that fire and why every evaluated rule did or did not match. */
export function formatDryRun(report: DryRunReport): string {
  const lines: string[] = [];
  for (const e of report.entries) {
    if (!e.ok) {
      lines.push(`${e.path}: not evaluated: ${e.error}`);
      continue;
    }
    lines.push(`${e.path} (${e.modality ?? 'no Modality'}): fires ${e.fired.join(', ') || 'nothing'}`);
    const skipped: string[] = [];
    for (const d of e.decisions) {
      if (d.outcome === 'not-evaluated') {
        skipped.push(d.rule);
        continue;
      }
      lines.push(`  ${d.outcome === 'fired' ? '→' : ' '} ${d.explanation}`);
      if (d.outcome === 'fired') lines.push(`      ${describeDecision(d)}`);
      if (d.outcome === 'fired' && d.actions.kind === 'process' && e.notProcessed) lines.push(`      this object is skipped: ${e.notProcessed}`);
    }
    if (skipped.length > 0) lines.push(`    not evaluated: ${skipped.join(', ')}`);
  }
  const evaluated = report.entries.length - report.unreadable;
  const counts = Object.entries(report.counts)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  lines.push('');
  lines.push(`${evaluated} file(s) evaluated${counts ? `: ${counts}` : ''}; ${report.unreadable} not readable as DICOM`);
  return lines.join('\n');
}
