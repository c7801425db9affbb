import { describe, expect, it } from 'vitest';
import { diffuse, posteriorMean, predictX0FromEps } from './posterior.js';
import { buildSchedule, fixedLogVariance, learnedLogVarianceCoefficients, linearBetas, linspace } from './schedule.js';

const sched = buildSchedule(linearBetas(1000));

describe('schedule (spec §8.1)', () => {
  it('has the reference limits', () => {
    expect(sched.alphasCumprod[0]).toBeCloseTo(0.9999, 12);
    expect(sched.alphasCumprod[999]! / 4.0358e-5).toBeCloseTo(1, 4);
    expect(sched.posteriorMeanCoef1[0]).toBeCloseTo(1, 12);
    expect(sched.posteriorMeanCoef2[0]).toBe(0);
    expect(sched.posteriorVariance[1]! / 5.4532e-5).toBeCloseTo(1, 4);
    expect(sched.posteriorLogVarianceClipped[0]).toBe(Math.log(sched.posteriorVariance[1]!));
    expect(sched.alphasCumprodPrev[0]).toBe(1);
  });

  it('follows numpy linspace (ends exact, linear in between)', () => {
    const b = linspace(1e-4, 0.02, 1000);
    expect(b[0]).toBe(1e-4);
    expect(b[999]).toBe(0.02);
    expect(b[500]).toBeCloseTo(1e-4 + (500 * (0.02 - 1e-4)) / 999, 15);
    expect(linearBetas(500)[0]).toBeCloseTo(2e-4, 15);
  });

  it('posterior is consistent: x_t = √ᾱ x0 and x̂0 = x0 give μ = √ᾱprev x0 (§8.2)', () => {
    for (const t of [0, 1, 10, 500, 999]) {
      const lhs = sched.posteriorMeanCoef1[t]! + sched.posteriorMeanCoef2[t]! * Math.sqrt(sched.alphasCumprod[t]!);
      expect(lhs).toBeCloseTo(Math.sqrt(sched.alphasCumprodPrev[t]!), 12);
      const x0 = Float64Array.from([0.3, -0.7, 1]);
      const xt = x0.map((v) => Math.sqrt(sched.alphasCumprod[t]!) * v);
      const mu = new Float64Array(3);
      posteriorMean(sched, t, x0, xt, mu);
      mu.forEach((m, i) => expect(m).toBeCloseTo(Math.sqrt(sched.alphasCumprodPrev[t]!) * x0[i]!, 12));
    }
  });

  it('x̂0 round trip from (x_t, ε) returns x0 without clamp (§8.3) and clamps otherwise', () => {
    const x0 = Float64Array.from([0.5, -0.25, 0.9, -1]);
    const eps = Float64Array.from([1.2, -0.3, 0.01, 2]);
    for (const t of [0, 250, 999]) {
      const xt = new Float64Array(4);
      diffuse(sched, t, x0, eps, xt);
      const back = new Float64Array(4);
      predictX0FromEps(sched, t, xt, eps, back, false);
      back.forEach((v, i) => expect(v).toBeCloseTo(x0[i]!, 9));
    }
    const out = new Float64Array(2);
    predictX0FromEps(sched, 999, [5, -5], [0, 0], out, true);
    expect([...out]).toEqual([1, -1]);
  });

  it('gives the three variance choices', () => {
    expect(fixedLogVariance(sched, 'fixed_large', 5)).toBe(Math.log(sched.betas[5]!));
    expect(fixedLogVariance(sched, 'fixed_large', 0)).toBe(Math.log(sched.posteriorVariance[1]!));
    expect(fixedLogVariance(sched, 'fixed_small', 5)).toBe(Math.log(sched.posteriorVariance[5]!));
    const { a, b } = learnedLogVarianceCoefficients(sched, 7);
    expect(a * 1 + b).toBeCloseTo(Math.log(sched.betas[7]!), 12); // v = 1 → φ = 1 → log β
    expect(a * -1 + b).toBeCloseTo(sched.posteriorLogVarianceClipped[7]!, 12); // v = −1 → L̃
  });
});
