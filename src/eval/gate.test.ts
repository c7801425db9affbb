import { describe, expect, it } from 'vitest';
import { judgeGate, type GateCase } from './gate.js';
import type { ImageScores } from './measures.js';

const s = (psnr: number, ssim: number, backgroundEntropy = 0): ImageScores => ({ psnr, ssim, backgroundEntropy, loe: 0, entropy: 5, meanGray: 80 });

describe('quality gate verdict', () => {
  const better: GateCase[] = [
    { image: 'a', kind: 'low-light', input: s(12, 0.5), output: s(18, 0.7) },
    { image: 'b', kind: 'low-light', input: s(14, 0.6), output: s(15, 0.62) },
    { image: 'a', kind: 'uneven', input: s(15, 0.7), output: s(16, 0.72, 0.1) },
  ];

  it('passes when every kind improves on average and no background gains texture', () => {
    const v = judgeGate(better);
    expect(v.failures).toEqual([]);
    expect(v.passed).toBe(true);
    expect(v.kinds.find((k) => k.kind === 'low-light')!.output.psnr).toBeCloseTo(16.5, 12);
  });

  it('fails an identity enhancer on PSNR and SSIM for every kind', () => {
    const identity = better.map((c) => ({ ...c, output: c.input }));
    const v = judgeGate(identity);
    expect(v.passed).toBe(false);
    expect(v.failures.filter((f) => f.includes('PSNR'))).toHaveLength(2);
    expect(v.failures.filter((f) => f.includes('SSIM'))).toHaveLength(2);
  });

  it('fails when one kind gets worse even if another improves', () => {
    const v = judgeGate([...better, { image: 'b', kind: 'uneven', input: s(15, 0.7), output: s(10, 0.5) }]);
    expect(v.failures.some((f) => f.startsWith('uneven: PSNR'))).toBe(true);
    expect(v.failures.some((f) => f.startsWith('low-light'))).toBe(false);
  });

  it('fails invented background texture on a single image', () => {
    const v = judgeGate([...better, { image: 'c', kind: 'low-light', input: s(10, 0.4, 1.0), output: s(20, 0.8, 1.3) }]);
    expect(v.failures).toEqual(['c/low-light: background entropy changed by 0.30 bits (limit 0.2)']);
  });

  it('fails on NaN scores and on no cases', () => {
    expect(judgeGate([{ image: 'a', kind: 'blur', input: s(20, 0.8), output: s(Number.NaN, Number.NaN) }]).passed).toBe(false);
    expect(judgeGate([]).passed).toBe(false);
  });
});
