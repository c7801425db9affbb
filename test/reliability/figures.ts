import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** RELIABILITY_LONG=1: the long variants (≥100 studies, minutes of soak) and figures written to disk. */
export const LONG = process.env.RELIABILITY_LONG === '1';

export const RESULTS = join(import.meta.dirname, 'results', 'figures.json');

/**
 * Merges one suite's figures into test/reliability/results/figures.json when the long variant runs
 * (or RELIABILITY_FIGURES=1), so the README can quote the last measured run.
 */
export function recordFigures(suite: string, figures: Record<string, unknown>): void {
  if (!LONG && process.env.RELIABILITY_FIGURES !== '1') return;
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const all = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
  all[suite] = { ...figures, long: LONG, at: new Date().toISOString() };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}
