/**
 * The quality gate's verdict (engine issue item 6, "Quality gate"): for every degradation kind
 * the enhanced output must beat the unchanged input on mean PSNR and mean SSIM against the clean
 * image, and on every image its background entropy must stay within `maxBackgroundEntropyDelta`
 * bits of the input's (no invented texture). Pure, so the test can show it fails for a method
 * that does nothing.
 */
import type { DegradationKind } from './degradations.js';
import type { ImageScores } from './measures.js';

export interface GateCase {
  image: string;
  kind: DegradationKind;
  input: ImageScores;
  output: ImageScores;
}

export interface GateThresholds {
  maxBackgroundEntropyDelta: number;
}

export const GATE_THRESHOLDS: GateThresholds = { maxBackgroundEntropyDelta: 0.2 };

export interface KindSummary {
  kind: DegradationKind;
  cases: number;
  input: { psnr: number; ssim: number };
  output: { psnr: number; ssim: number };
}

export interface GateVerdict {
  passed: boolean;
  kinds: KindSummary[];
  failures: string[];
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function judgeGate(cases: readonly GateCase[], thresholds: GateThresholds = GATE_THRESHOLDS): GateVerdict {
  const failures: string[] = [];
  if (cases.length === 0) failures.push('no cases were scored');
  const kinds: KindSummary[] = [];
  for (const kind of [...new Set(cases.map((c) => c.kind))]) {
    const of = cases.filter((c) => c.kind === kind);
    const s: KindSummary = {
      kind,
      cases: of.length,
      input: { psnr: mean(of.map((c) => c.input.psnr)), ssim: mean(of.map((c) => c.input.ssim)) },
      output: { psnr: mean(of.map((c) => c.output.psnr)), ssim: mean(of.map((c) => c.output.ssim)) },
    };
    kinds.push(s);
    if (!(s.output.psnr > s.input.psnr)) failures.push(`${kind}: PSNR ${s.output.psnr.toFixed(2)} dB is not above the input's ${s.input.psnr.toFixed(2)} dB`);
    if (!(s.output.ssim > s.input.ssim)) failures.push(`${kind}: SSIM ${s.output.ssim.toFixed(3)} is not above the input's ${s.input.ssim.toFixed(3)}`);
  }
  for (const c of cases) {
    const delta = Math.abs(c.output.backgroundEntropy - c.input.backgroundEntropy);
    if (!(delta <= thresholds.maxBackgroundEntropyDelta)) {
      failures.push(`${c.image}/${c.kind}: background entropy changed by ${delta.toFixed(2)} bits (limit ${thresholds.maxBackgroundEntropyDelta})`);
    }
  }
  return { passed: failures.length === 0, kinds, failures };
}
