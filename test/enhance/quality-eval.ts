/**
 * Scores an engine preset on quality cases: PSNR and SSIM against the clean slice for the
 * unchanged input and the enhanced output, and the background entropy change.
 */
import type { EnhancementEngine } from '../../src/enhance/engine.js';
import type { EnhancePreset } from '../../src/enhance/preset.js';
import { backgroundMask, entropy, grayPlane, psnr, ssim } from '../../src/enhance/quality.js';
import type { DegradationKind, QualityCase } from './quality-cases.js';

export interface CaseScore {
  name: string;
  kind: DegradationKind;
  input: { psnr: number; ssim: number };
  output: { psnr: number; ssim: number };
  /** |background entropy of output − of input| in bits, over the input's background. */
  backgroundEntropyDelta: number;
  meanClean: number;
  meanOut: number;
  ms: number;
}

export async function scoreCases(engine: EnhancementEngine, preset: EnhancePreset, cases: readonly QualityCase[]): Promise<CaseScore[]> {
  const out: CaseScore[] = [];
  for (const c of cases) {
    const { width, height } = c.clean;
    const r = await engine.enhance(c.degraded, preset, { quality: false });
    const clean = grayPlane(c.clean);
    const deg = grayPlane(c.degraded);
    const enh = grayPlane({ width, height, gray: r.gray! });
    const mask = backgroundMask(deg, width, height);
    const mean = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
    out.push({
      name: c.name,
      kind: c.kind,
      input: { psnr: psnr(clean, deg), ssim: ssim(clean, deg, width, height) },
      output: { psnr: psnr(clean, enh), ssim: ssim(clean, enh, width, height) },
      backgroundEntropyDelta: Math.abs(entropy(enh, mask) - entropy(deg, mask)),
      meanClean: mean(clean),
      meanOut: mean(enh),
      ms: r.timings.totalMs,
    });
  }
  return out;
}

/** Mean of a field per degradation kind. */
export function meanByKind(scores: readonly CaseScore[], pick: (s: CaseScore) => number): Map<DegradationKind, number> {
  const sums = new Map<DegradationKind, { s: number; n: number }>();
  for (const sc of scores) {
    const e = sums.get(sc.kind) ?? { s: 0, n: 0 };
    e.s += pick(sc);
    e.n++;
    sums.set(sc.kind, e);
  }
  return new Map([...sums].map(([k, v]) => [k, v.s / v.n]));
}
