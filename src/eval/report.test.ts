import { describe, expect, it } from 'vitest';
import type { DegradationKind } from './degradations.js';
import type { ImageScores } from './measures.js';
import { ablationSection, fullReferenceTable, markdownReport, noReferenceTable, summariseRows } from './report.js';
import type { EvalRow } from './run-eval.js';

const scores = (psnr: number, ssim: number): ImageScores => ({ psnr, ssim, loe: 3, entropy: 5, backgroundEntropy: 1, backgroundGradient: 2, meanGray: 70 });
const row = (image: string, kind: DegradationKind, method: string, psnr: number, ssim: number, set: EvalRow['set'] = 'heldout', extra: Partial<EvalRow> = {}): EvalRow => ({
  image, set, modality: 'CT', width: 8, height: 8, kind, method, scores: scores(psnr, ssim),
  backgroundFraction: 0.3, backgroundEntropyChange: 0.05, backgroundGradientChange: -0.25, ms: 10, ...extra,
});

describe('evaluation report', () => {
  const rows = [
    row('a', 'low-light', 'input', 10, 0.5),
    row('b', 'low-light', 'input', 12, 0.6),
    row('a', 'low-light', 'unimie', 16, 0.7),
    row('b', 'low-light', 'unimie', Number.POSITIVE_INFINITY, 1),
    row('a', 'blur', 'input', 25, 0.9),
    row('a', 'blur', 'unimie', 24, 0.85),
    row('a', 'low-dose-ct', 'input', 20, 0.4),
    row('a', 'low-dose-ct', 'unimie', 26, 0.7),
  ];

  it('averages per method, kind and pool, capping infinite PSNR at 100 dB', () => {
    const s = summariseRows(rows);
    expect(s.find((x) => x.method === 'input' && x.kind === 'low-light')!.psnr).toBe(11);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'low-light')!.psnr).toBe(58);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'classic')!.cases).toBe(3);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'noisy')!.psnr).toBe(26);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'all')!.cases).toBe(4);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'all')!.backgroundGradientChange).toBe(-0.25);
  });

  it('leaves images without a background out of the background means', () => {
    const s = summariseRows([row('a', 'blur', 'x', 1, 1, 'dev', { backgroundFraction: 0, backgroundEntropyChange: 9 }), row('b', 'blur', 'x', 1, 1)]);
    expect(s.find((x) => x.kind === 'all')!.backgroundEntropyChange).toBe(0.05);
  });

  it('marks the best method per column in bold, over the scopes asked for', () => {
    const t = fullReferenceTable(rows, ['low-light', 'blur', 'classic']);
    expect(t.split('\n')[0]).toBe('| method | low-light PSNR / SSIM | blur PSNR / SSIM | classic PSNR / SSIM |');
    expect(t).toContain('| unimie | **58.00** / **0.850** | 24.00 / 0.850 | **46.67** / **0.850** |');
    expect(t).toContain('| input | 11.00 / 0.550 | **25.00** / **0.900** |');
    expect(noReferenceTable(rows, 61)).toContain('| input | 3.0 | 5.00 | +0.050 | -0.25 | 70.0 | 10 |');
    expect(noReferenceTable(rows, 61)).toContain('| *(clean images)* | | | | | 61.0 | |');
  });

  it('writes noisy and classic kinds apart, one section per set and one over all, and the commit', () => {
    const md = markdownReport([...rows, row('s', 'blur', 'input', 20, 0.8, 'dev'), row('s', 'blur', 'unimie', 21, 0.8, 'dev')], {
      createdAt: 'now', commit: 'abc123', sets: ['dev', 'heldout'], kinds: ['low-light', 'blur', 'low-dose-ct'], presets: {}, notes: ['n1'],
    }, [{ set: 'dev', images: 1, meanGray: 50 }, { set: 'heldout', images: 2, meanGray: 80 }]);
    expect(md).toContain('at commit `abc123`');
    expect(md).toContain('## All images');
    expect(md).toContain('## Development set (1 images)');
    expect(md).toContain('## Held-out set (2 images)');
    expect(md).toContain('### Noisy kinds');
    expect(md).toContain('| method | low-dose-ct PSNR / SSIM | noisy PSNR / SSIM |');
    expect(md).toContain('### Classic kinds (no noise)');
    expect(md).toContain('| *(clean images)* | | | | | 70.0 | |');
    expect(md).toContain('- n1');
    expect(md).not.toContain('Ablation');
  });

  it('tabulates each preset against its twin with the baselines on the same cases', () => {
    const model = { id: 'embedded', sha256: 'x' };
    const abl = [
      row('a', 'low-dose-ct', 'input', 20, 0.4),
      row('a', 'low-dose-ct', 'clahe', 19, 0.45),
      row('a', 'low-dose-ct', 'unimie', 26, 0.7, 'heldout', { preset: 'ct-default', model }),
      row('a', 'low-dose-ct', 'unimie:twin', 24.5, 0.65, 'heldout', { preset: 'ct-default', model, agreementDb: 31.25 }),
    ];
    const section = ablationSection(abl).join('\n');
    expect(section).toContain('### ct-default');
    expect(section).toContain('| kind | cases | input | clahe | ct-default | twin | Δ network PSNR / SSIM | agreement (dB) |');
    expect(section).toContain('| low-dose-ct | 1 | 20.00 / 0.400 | 19.00 / 0.450 | 26.00 / 0.700 | 24.50 / 0.650 | +1.50 / +0.050 | 31.3 |');
    expect(section).toContain('| **noisy** | 1 |');
    expect(ablationSection(abl.slice(0, 3))).toEqual([]);
  });
});
