import { describe, expect, it } from 'vitest';
import type { ContributionRecord } from '../enhance/measured-contribution.js';
import type { DegradationKind } from './degradations.js';
import { judgeGate, type GateInput } from './gate.js';
import type { EvalRow } from './run-eval.js';

const MODEL = { id: 'embedded', sha256: 'cd'.repeat(32) };

function row(image: string, kind: DegradationKind, method: string, psnr: number, ssim: number, extra: Partial<EvalRow> = {}): EvalRow {
  return {
    image, set: 'heldout', modality: 'CT', width: 8, height: 8, kind, method,
    scores: { psnr, ssim, loe: 0, entropy: 5, backgroundEntropy: 1, backgroundGradient: 1, meanGray: 70 },
    backgroundFraction: 0.4, backgroundEntropyChange: 0, backgroundGradientChange: 0, ms: 1, ...extra,
  };
}

/**
 * Two images × a noisy and a classic kind: the preset beats everything, and its network adds
 * `gain` dB over the twin on the noisy kind.
 */
function scenario(gain = 2): EvalRow[] {
  const rows: EvalRow[] = [];
  for (const image of ['a', 'b']) {
    for (const kind of ['low-dose-ct', 'blur'] as const) {
      const base = kind === 'blur' ? 26 : 18;
      rows.push(
        row(image, kind, 'input', base, 0.6),
        row(image, kind, 'clahe', base + 1, 0.62),
        row(image, kind, 'gamma', base + 0.5, 0.61),
        row(image, kind, 'denoise-clahe', base + 2, 0.65),
        row(image, kind, 'unimie', base + 4, 0.75, { preset: 'ct-default', model: MODEL }),
        row(image, kind, 'unimie:twin', base + 4 - (kind === 'blur' ? 0 : gain), 0.7, { preset: 'ct-default', model: MODEL, agreementDb: 35 }),
      );
    }
  }
  return rows;
}

function record(meetsBar: boolean, sha256 = MODEL.sha256): ContributionRecord {
  const k = { cases: 2, contributionDb: meetsBar ? 2 : 0.2, contributionSsim: 0.05, agreementDb: 35 };
  return { createdAt: 't', commit: 'c', set: 'heldout', barDb: 1, presets: { 'ct-default': { model: { id: 'embedded', sha256 }, noisy: k, all: k, perKind: {}, meetsBar } } };
}

const judge = (rows: EvalRow[], over: Partial<GateInput> = {}) => judgeGate({ rows, column: 'unimie', presets: ['ct-default'], record: record(true), ...over });

const change = (rows: EvalRow[], pick: (r: EvalRow) => boolean, f: (r: EvalRow) => EvalRow) => rows.map((r) => (pick(r) ? f(r) : r));

describe('quality gate verdict', () => {
  it('passes a preset that beats the input, the baselines and its twin, with the label it earned', () => {
    const v = judge(scenario());
    expect(v.failures).toEqual([]);
    expect(v.passed).toBe(true);
    const p = v.presets[0]!;
    expect(p.labelledUnimie).toBe(true);
    expect(p.ablation!.cells.find((c) => c.scope === 'noisy')!.contributionDb).toBeCloseTo(2, 12);
    expect(p.worstPsnrDropDb).toBe(-4);
    expect(p.backgroundCases).toBe(4);
  });

  it('holds a floor per image and a mean per kind against the input', () => {
    const rows = change(scenario(), (r) => r.method === 'unimie' && r.image === 'b' && r.kind === 'blur', (r) => ({ ...r, scores: { ...r.scores, psnr: 25.4, ssim: 0.57 } }));
    const v = judge(rows);
    expect(v.failures).toContain("ct-default b/blur: PSNR 25.40 dB is more than 0.5 dB below the input's 26.00 dB");
    expect(v.failures).toContain("ct-default b/blur: SSIM 0.570 is more than 0.02 below the input's 0.600");
    // The mean over a and b (27.7 dB) still beats the input: only the floor fails.
    expect(v.failures.some((f) => f.startsWith('ct-default blur mean'))).toBe(false);
    const flat = judge(change(scenario(), (r) => r.method === 'unimie' && r.kind === 'blur', (r) => ({ ...r, scores: { ...r.scores, psnr: 26, ssim: 0.6 } })));
    expect(flat.failures).toEqual(["ct-default blur mean: PSNR 26.00 dB does not beat the input's 26.00 dB", "ct-default blur mean: SSIM 0.600 does not beat the input's 0.600"]);
  });

  it('must beat CLAHE and gamma pooled, and denoise + CLAHE on the noisy kinds', () => {
    const strongClahe = change(scenario(), (r) => r.method === 'clahe', (r) => ({ ...r, scores: { ...r.scores, psnr: r.scores.psnr + 10 } }));
    expect(judge(strongClahe).failures).toEqual(["ct-default all kinds: PSNR 26.00 dB does not beat clahe's 33.00 dB"]);
    const strongGamma = change(scenario(), (r) => r.method === 'gamma', (r) => ({ ...r, scores: { ...r.scores, ssim: 0.9 } }));
    expect(judge(strongGamma).failures).toEqual(["ct-default all kinds: SSIM 0.750 does not beat gamma's 0.900"]);
    const strongDenoise = change(scenario(), (r) => r.method === 'denoise-clahe' && r.kind === 'low-dose-ct', (r) => ({ ...r, scores: { ...r.scores, psnr: 23 } }));
    expect(judge(strongDenoise).failures).toEqual(["ct-default noisy kinds: PSNR 22.00 dB does not beat denoise-clahe's 23.00 dB"]);
  });

  it('fails a UniMIE label that the measured gain over the twin does not back', () => {
    const v = judge(scenario(0.4));
    expect(v.failures).toEqual([
      'ct-default network contribution: 0.40 dB over its network-free twin on the noisy kinds is below the 1 dB bar, but contribution.json lets it be called UniMIE',
    ]);
    // Labelled as classical processing, the same preset passes.
    expect(judge(scenario(0.4), { record: record(false) }).passed).toBe(true);
    expect(judge(scenario(0.4), { record: undefined }).passed).toBe(true);
  });

  it('fails a "not UniMIE" label only when the gain clears the bar by more than the tolerance', () => {
    expect(judge(scenario(1.3), { record: record(false) }).passed).toBe(true);
    expect(judge(scenario(1.6), { record: record(false) }).failures).toEqual([
      'ct-default network contribution: 1.60 dB over its network-free twin on the noisy kinds clears the 1 dB bar by more than 0.5 dB, but contribution.json does not let it be called UniMIE (rerun npm run eval -- --ablate)',
    ]);
    // A record measured with another model does not let the node call it UniMIE.
    const stale = judge(scenario(0.4), { record: record(true, 'ef'.repeat(32)) });
    expect(stale.passed).toBe(true);
    expect(stale.presets[0]!.labelledUnimie).toBe(false);
  });

  it('fails invented background texture or grain on a single image, not a calmer background', () => {
    const grain = change(scenario(), (r) => r.method === 'unimie' && r.image === 'a' && r.kind === 'low-dose-ct', (r) => ({ ...r, backgroundEntropyChange: 0.3, backgroundGradientChange: 0.8 }));
    expect(judge(grain).failures).toEqual([
      'ct-default a/low-dose-ct: background entropy rose by 0.300 bits (limit 0.2)',
      'ct-default a/low-dose-ct: background mean gradient rose by 0.800 grey levels/px (limit 0.5)',
    ]);
    const calmer = change(scenario(), (r) => r.method === 'unimie', (r) => ({ ...r, backgroundEntropyChange: -2, backgroundGradientChange: -3 }));
    expect(judge(calmer).passed).toBe(true);
    const noBackground = scenario().map((r) => ({ ...r, backgroundFraction: 0, backgroundEntropyChange: 5 }));
    expect(judge(noBackground).failures).toEqual(['ct-default: no image has a background to check']);
  });

  it('fails what it did not see: a preset, its twin, a baseline', () => {
    expect(judge(scenario(), { presets: ['ct-default', 'mr-default'] }).failures).toEqual(['mr-default: not evaluated (no unimie rows)']);
    const noTwin = scenario().filter((r) => !(r.method === 'unimie:twin' && r.image === 'b' && r.kind === 'low-dose-ct'));
    expect(judge(noTwin).failures).toEqual(['ct-default noisy kinds: its network-free twin ran on 1 of 2 cases']);
    const noDenoise = scenario().filter((r) => r.method !== 'denoise-clahe');
    expect(judge(noDenoise).failures).toEqual(['ct-default noisy kinds: no denoise-clahe rows to compare with']);
    const halfClahe = scenario().filter((r) => !(r.method === 'clahe' && r.image === 'a'));
    expect(judge(halfClahe).failures[0]).toBe('ct-default all kinds: clahe ran on 2 of 4 cases');
    const classicOnly = scenario().filter((r) => r.kind === 'blur');
    expect(judge(classicOnly).failures).toEqual(["ct-default: no noisy kinds evaluated (the network's bar is measured on them)"]);
    expect(judge(scenario(), { presets: [] }).failures).toEqual(['no presets to judge']);
  });

  it('fails NaN scores', () => {
    const nan = change(scenario(), (r) => r.method === 'unimie' && r.image === 'a' && r.kind === 'blur', (r) => ({ ...r, scores: { ...r.scores, psnr: Number.NaN } }));
    const v = judge(nan);
    expect(v.passed).toBe(false);
    expect(v.failures).toContain("ct-default a/blur: PSNR NaN dB is more than 0.5 dB below the input's 26.00 dB");
  });
});
