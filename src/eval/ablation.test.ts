import { describe, expect, it } from 'vitest';
import { parseContributionRecord } from '../enhance/measured-contribution.js';
import { ablationOf, contributionRecord, inScope, presetColumns } from './ablation.js';
import type { DegradationKind } from './degradations.js';
import type { EvalRow } from './run-eval.js';

const MODEL = { id: 'embedded', sha256: 'ab'.repeat(32) };

function row(image: string, kind: DegradationKind, method: string, psnr: number, ssim: number, extra: Partial<EvalRow> = {}): EvalRow {
  return {
    image, set: 'dev', modality: 'MR', width: 8, height: 8, kind, method,
    scores: { psnr, ssim, loe: 0, entropy: 5, backgroundEntropy: 1, backgroundGradient: 0, meanGray: 70 },
    backgroundFraction: 0.3, backgroundEntropyChange: 0, backgroundGradientChange: 0, ms: 1, ...extra,
  };
}
const real = (image: string, kind: DegradationKind, psnr: number, ssim: number, preset = 'mr-default') => row(image, kind, 'unimie', psnr, ssim, { preset, model: MODEL });
const twin = (image: string, kind: DegradationKind, psnr: number, ssim: number, agreementDb: number, preset = 'mr-default') =>
  row(image, kind, 'unimie:twin', psnr, ssim, { preset, model: MODEL, agreementDb });

describe('ablation', () => {
  const rows: EvalRow[] = [
    row('a', 'mr-rician', 'input', 15, 0.5), row('b', 'mr-rician', 'input', 17, 0.6),
    row('a', 'mr-rician', 'clahe', 16, 0.55), row('b', 'mr-rician', 'clahe', 18, 0.65),
    real('a', 'mr-rician', 24, 0.8), real('b', 'mr-rician', 26, 0.84),
    twin('a', 'mr-rician', 21, 0.7, 30), twin('b', 'mr-rician', 22, 0.76, Number.POSITIVE_INFINITY),
    row('a', 'blur', 'input', 28, 0.9), row('a', 'blur', 'clahe', 22, 0.7),
    real('a', 'blur', 29, 0.92), twin('a', 'blur', 29.5, 0.93, 40),
  ];

  it('pools noisy and classic kinds apart', () => {
    expect(inScope('mr-rician', 'noisy')).toBe(true);
    expect(inScope('blur', 'noisy')).toBe(false);
    expect(inScope('blur', 'classic')).toBe(true);
    expect(inScope('low-light', 'all')).toBe(true);
    expect(inScope('low-light', 'low-light-noisy')).toBe(false);
  });

  it('computes the contribution (preset − twin) and the agreement per kind and pooled', () => {
    const [a] = ablationOf(rows);
    expect(a!.preset).toBe('mr-default');
    expect(a!.model).toEqual(MODEL);
    expect(a!.cells.map((c) => c.scope)).toEqual(['mr-rician', 'blur', 'noisy', 'classic', 'all']);
    const noisy = a!.cells.find((c) => c.scope === 'noisy')!;
    expect(noisy.cases).toBe(2);
    expect(noisy.contributionDb).toBeCloseTo(25 - 21.5, 12);
    expect(noisy.contributionSsim).toBeCloseTo(0.82 - 0.73, 12);
    // An identical twin output counts as 100 dB, not Infinity.
    expect(noisy.agreementDb).toBeCloseTo(65, 12);
    expect(noisy.baselines.input).toEqual({ cases: 2, psnr: 16, ssim: 0.55 });
    expect(noisy.baselines.clahe!.psnr).toBe(17);
    const all = a!.cells.find((c) => c.scope === 'all')!;
    expect(all.cases).toBe(3);
    expect(all.contributionDb).toBeCloseTo((24 + 26 + 29) / 3 - (21 + 22 + 29.5) / 3, 12);
    expect(a!.cells.find((c) => c.scope === 'blur')!.contributionDb).toBeCloseTo(-0.5, 12);
  });

  it('has no contribution where the twin did not run on every case', () => {
    const [a] = ablationOf(rows.filter((r) => !(r.method === 'unimie:twin' && r.image === 'b')));
    const noisy = a!.cells.find((c) => c.scope === 'noisy')!;
    expect(noisy.twin.cases).toBe(1);
    expect(noisy.contributionDb).toBeNaN();
  });

  it('lists each (column, preset) once and ignores baselines and twins', () => {
    expect(presetColumns([...rows, real('c', 'blur', 20, 0.5, 'ct-default')])).toEqual([
      { column: 'unimie', preset: 'mr-default' },
      { column: 'unimie', preset: 'ct-default' },
    ]);
  });

  it('writes a contribution record the node can parse, with the bar on the noisy pool', () => {
    const rec = contributionRecord(ablationOf(rows), { createdAt: 't', commit: 'c0ffee', set: 'dev' });
    const back = parseContributionRecord(JSON.stringify(rec));
    expect(back.presets['mr-default']!.meetsBar).toBe(true);
    expect(back.presets['mr-default']!.noisy.contributionDb).toBeCloseTo(3.5, 12);
    expect(back.presets['mr-default']!.perKind.blur!.contributionDb).toBeCloseTo(-0.5, 12);
    expect(back.presets['mr-default']!.noisy.agreementDb).toBeCloseTo(65, 12);
    expect(back.barDb).toBe(1);
    expect(back.commit).toBe('c0ffee');
    const weak = contributionRecord(ablationOf(rows), { createdAt: 't', commit: 'c', set: 'dev' }, 4);
    expect(weak.presets['mr-default']!.meetsBar).toBe(false);
  });

  it('takes the name away when the gate subset alone falls below the bar', () => {
    // Image a gains 3 dB over its twin, b 4 dB; restricted to a weak gate image the gain is 0.5 dB.
    const weakGate = [...rows.filter((r) => r.image === 'a'), row('g', 'mr-rician', 'input', 15, 0.5), real('g', 'mr-rician', 20, 0.7), twin('g', 'mr-rician', 19.5, 0.68, 35)];
    const all = [...rows, ...weakGate.filter((r) => r.image === 'g')];
    const whole = ablationOf(all);
    const gate = ablationOf(all.filter((r) => r.image === 'g'));
    const rec = contributionRecord(whole, { createdAt: 't', commit: 'c', set: 'heldout' }, 1, gate);
    expect(rec.presets['mr-default']!.noisy.contributionDb).toBeGreaterThan(1);
    expect(rec.presets['mr-default']!.gateSubset!.contributionDb).toBeCloseTo(0.5, 12);
    expect(rec.presets['mr-default']!.meetsBar).toBe(false);
    expect(parseContributionRecord(JSON.stringify(rec)).presets['mr-default']!.gateSubset!.cases).toBe(1);
    const strongGate = contributionRecord(whole, { createdAt: 't', commit: 'c', set: 'heldout' }, 1, ablationOf(rows.filter((r) => r.image === 'b')));
    expect(strongGate.presets['mr-default']!.meetsBar).toBe(true);
  });

  it('does not let a preset without noisy cases meet the bar', () => {
    const classicOnly = rows.filter((r) => r.kind === 'blur').map((r) => (r.method === 'unimie' ? { ...r, scores: { ...r.scores, psnr: 40 } } : r));
    const rec = contributionRecord(ablationOf(classicOnly), { createdAt: 't', commit: 'c', set: 'dev' });
    expect(rec.presets['mr-default']!.noisy.cases).toBe(0);
    expect(rec.presets['mr-default']!.meetsBar).toBe(false);
    expect(() => parseContributionRecord(JSON.stringify(rec))).not.toThrow();
  });
});
