import { describe, expect, it } from 'vitest';
import type { ImageScores } from './measures.js';
import { fullReferenceTable, markdownReport, noReferenceTable, summariseRows } from './report.js';
import type { EvalRow } from './run-eval.js';

const scores = (psnr: number, ssim: number): ImageScores => ({ psnr, ssim, loe: 3, entropy: 5, backgroundEntropy: 1, meanGray: 70 });
const row = (image: string, kind: EvalRow['kind'], method: string, psnr: number, ssim: number, set: EvalRow['set'] = 'heldout'): EvalRow => ({
  image, set, modality: 'CT', width: 8, height: 8, kind, method, scores: scores(psnr, ssim), backgroundEntropyDelta: 0.05, ms: 10,
});

describe('evaluation report', () => {
  const rows = [
    row('a', 'low-light', 'input', 10, 0.5),
    row('b', 'low-light', 'input', 12, 0.6),
    row('a', 'low-light', 'unimie', 16, 0.7),
    row('b', 'low-light', 'unimie', Number.POSITIVE_INFINITY, 1),
    row('a', 'blur', 'input', 25, 0.9),
    row('a', 'blur', 'unimie', 24, 0.85),
  ];

  it('averages per method and kind, capping infinite PSNR at 100 dB', () => {
    const s = summariseRows(rows);
    expect(s.find((x) => x.method === 'input' && x.kind === 'low-light')!.psnr).toBe(11);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'low-light')!.psnr).toBe(58);
    expect(s.find((x) => x.method === 'unimie' && x.kind === 'all')!.cases).toBe(3);
  });

  it('marks the best method per column in bold', () => {
    const t = fullReferenceTable(rows);
    expect(t).toContain('| unimie | **58.00** / **0.850** | 24.00 / 0.850 |');
    expect(t).toContain('| input | 11.00 / 0.550 | **25.00** / **0.900** |');
    expect(noReferenceTable(rows, 61)).toContain('| *(clean images)* | | | | 61.0 | |');
  });

  it('writes one section per set and one over all', () => {
    const md = markdownReport([...rows, row('s', 'blur', 'input', 20, 0.8, 'sample'), row('s', 'blur', 'unimie', 21, 0.8, 'sample')], {
      createdAt: 'now', sets: ['sample', 'heldout'], kinds: ['low-light', 'blur'], presets: {}, notes: ['n1'],
    }, [{ set: 'sample', images: 1, meanGray: 50 }, { set: 'heldout', images: 2, meanGray: 80 }]);
    expect(md).toContain('## All images');
    expect(md).toContain('## Sample studies (1 images)');
    expect(md).toContain('## Held-out set (2 images)');
    expect(md).toContain('| *(clean images)* | | | | 70.0 | |');
    expect(md).toContain('- n1');
  });
});
