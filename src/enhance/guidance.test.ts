import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { exposureBlockMeans, guidanceObjective, guidePatch, illuminationMse, type Gain, type GuidanceParams, type PatchGuidanceInput } from './guidance.js';

const h = 16;
const w = 24;
const hw = h * w;

function randomPatch(seed: number): PatchGuidanceInput {
  const rng = createRng(seed);
  const z = new Float64Array(3 * hw).map(() => rng.uniform() * 2 - 1);
  const y = new Float64Array(3 * hw).map(() => rng.uniform() * 2 - 1);
  const m = new Float64Array(hw).map(() => rng.uniform() * 0.2);
  return { z, y, m, f: 0.7, h, w, exposureTarget: 0.4 };
}

/** g at these indices is minus the central finite-difference gradient of the guidance objective in z. */
function expectMinusGradient(p: PatchGuidanceInput, params: GuidanceParams, g: Float64Array, indices: number[], eps = 1e-5): void {
  const z = Float64Array.from(p.z as Float64Array);
  for (const idx of indices) {
    const orig = z[idx]!;
    z[idx] = orig + eps;
    const up = guidanceObjective({ ...p, z }, params);
    z[idx] = orig - eps;
    const down = guidanceObjective({ ...p, z }, params);
    z[idx] = orig;
    const fd = (up - down) / (2 * eps);
    expect(Math.abs(g[idx]! + fd)).toBeLessThan(1e-4 * Math.max(1e-3, Math.abs(fd)));
  }
}

describe('guidance (spec §5 c–f)', () => {
  it('matches the reference constants at the defaults: Δμ = −1.01725·f·ρ − 0.020345·(R−E) for p = 256', () => {
    const N = 3 * 256 * 256;
    const K = (256 / 8) ** 2;
    expect((2 * 1e5) / N).toBeCloseTo(1.01725, 5);
    expect((2 * 0.01 * 1e5 * 2) / (3 * 64 * K)).toBeCloseTo(0.020345, 5);
  });

  it('g is minus the finite-difference gradient of s·MSE + λ·s·L_exp; f and M steps follow the MSE (§8.10)', () => {
    const p = randomPatch(1);
    const params = { scale: 3, exposureWeight: 0.05 };
    const g = new Float64Array(3 * hw);
    const mNext = new Float64Array(hw);
    const fNext = guidePatch(p, params, g, mNext);
    const eps = 1e-5;
    expectMinusGradient(p, params, g, [0, 5, hw + 17, 2 * hw + 200, 3 * hw - 1]);
    const f = p.f as number;
    const fdF = (illuminationMse({ ...p, f: f + eps }) - illuminationMse({ ...p, f: f - eps })) / (2 * eps);
    expect(Math.abs(f - fdF - (fNext as number))).toBeLessThan(1e-4 * Math.abs(fdF));
    const m = Float64Array.from(p.m as Float64Array);
    for (const idx of [0, 77, hw - 1]) {
      const orig = m[idx]!;
      m[idx] = orig + eps;
      const up = illuminationMse({ ...p, m });
      m[idx] = orig - eps;
      const down = illuminationMse({ ...p, m });
      m[idx] = orig;
      const fd = (up - down) / (2 * eps);
      expect(Math.abs(orig - fd - mNext[idx]!)).toBeLessThan(1e-4 * Math.abs(fd));
    }
  });

  it('ρ = 0 leaves f and M unchanged and g without MSE part; block means at E give g = 0 (§8.9)', () => {
    const f = 0.5;
    const m = new Float64Array(hw).fill(0.1);
    const z = new Float64Array(3 * hw);
    for (let i = 0; i < z.length; i++) z[i] = i % 2 === 0 ? 0.2 : 0.6; // every 8×8 block mean = 0.4
    const y = z.map((v, i) => 2 * (f * ((v + 1) / 2) + m[i % hw]!) - 1); // y01 = f·u + m
    const g = new Float64Array(3 * hw);
    const mNext = new Float64Array(hw);
    const fNext = guidePatch({ z, y, m, f, h, w, exposureTarget: 0.4 }, { scale: 1e5, exposureWeight: 0.01 }, g, mNext);
    expect(fNext).toBeCloseTo(f, 12);
    mNext.forEach((v) => expect(v).toBeCloseTo(0.1, 12));
    g.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-9));
    // with another E only the exposure term remains: constant per block
    guidePatch({ z, y, m, f, h, w, exposureTarget: 0 }, { scale: 1e5, exposureWeight: 0.01 }, g, mNext);
    const K = hw / 64;
    const expected = (-0.01 * 1e5 * 2 * 0.4) / (192 * K);
    g.forEach((v) => expect(v).toBeCloseTo(expected, 9));
  });

  it('blocks with a NaN target are not pulled', () => {
    const p = randomPatch(2);
    const nb = (h / 8) * (w / 8);
    const target = new Float64Array(nb).fill(Number.NaN);
    const params = { scale: 1, exposureWeight: 10 };
    const g1 = new Float64Array(3 * hw);
    const g2 = new Float64Array(3 * hw);
    const mNext = new Float64Array(hw);
    guidePatch({ ...p, exposureTarget: target }, params, g1, mNext);
    guidePatch(p, { scale: 1, exposureWeight: 0 }, g2, mNext);
    g1.forEach((v, i) => expect(v).toBeCloseTo(g2[i]!, 12));
  });

  it('computes block means over channels and 8×8 blocks', () => {
    const z = new Float64Array(3 * hw);
    z[0] = 192; // one pixel of the first block in channel 0
    z[2 * hw + 8] = 192; // first pixel of block (0,1) in channel 2
    const R = exposureBlockMeans(z, h, w);
    expect(R.length).toBe(6);
    expect([...R]).toEqual([1, 1, 0, 0, 0, 0]);
    expect(() => exposureBlockMeans(z, 12, 8)).toThrow(RangeError);
  });
});

describe('guidance with one gain per channel', () => {
  const gains: Gain = [0.7, 0.45, 0.3];

  it('g is minus the gradient of the objective; each gain steps on its own channel\'s MSE (lr 1)', () => {
    const p = { ...randomPatch(6), f: gains };
    const params = { scale: 3, exposureWeight: 0.05 };
    const g = new Float64Array(3 * hw);
    const fNext = guidePatch(p, params, g, new Float64Array(hw)) as readonly number[];
    const eps = 1e-5;
    expectMinusGradient(p, params, g, [3, hw + 40, 2 * hw + 99]);
    for (let c = 0; c < 3; c++) {
      const shifted = (d: number) => gains.map((v, j) => (j === c ? v + d : v)) as unknown as Gain;
      // The MSE over all channels is a third of each channel's own: its own-channel gradient is 3×.
      const fd = (3 * (illuminationMse({ ...p, f: shifted(eps) }) - illuminationMse({ ...p, f: shifted(-eps) }))) / (2 * eps);
      expect(Math.abs(gains[c]! - fd - fNext[c]!)).toBeLessThan(1e-4 * Math.abs(fd));
    }
  });

  it('on a grey patch, three equal gains move exactly as the scalar gain and shift the mean alike', () => {
    const p = randomPatch(7);
    const grey = Float64Array.from(p.z as Float64Array);
    const yGrey = Float64Array.from(p.y as Float64Array);
    for (let c = 1; c < 3; c++) {
      grey.copyWithin(c * hw, 0, hw);
      yGrey.copyWithin(c * hw, 0, hw);
    }
    for (const residualSigma of [0, 2]) {
      const params = { scale: 3, exposureWeight: 0.05, residualSigma };
      const gScalar = new Float64Array(3 * hw);
      const gChannels = new Float64Array(3 * hw);
      const fScalar = guidePatch({ ...p, z: grey, y: yGrey, f: 0.6 }, params, gScalar, new Float64Array(hw)) as number;
      const fChannels = guidePatch({ ...p, z: grey, y: yGrey, f: [0.6, 0.6, 0.6] }, params, gChannels, new Float64Array(hw)) as readonly number[];
      for (const v of fChannels) expect(v).toBeCloseTo(fScalar, 12);
      for (let i = 0; i < gScalar.length; i += 29) expect(gChannels[i]!).toBeCloseTo(gScalar[i]!, 12);
    }
  });
});

describe('guidance with a low-passed residual', () => {
  it('shifts the mean by the Gaussian-smoothed residual, keeps the exact f step, and equals the per-pixel form on a constant residual', () => {
    const p = randomPatch(4);
    const params = { scale: 3, exposureWeight: 0 };
    const gPixel = new Float64Array(3 * hw);
    const mPixel = new Float64Array(hw);
    const fPixel = guidePatch(p, params, gPixel, mPixel);
    const gLow = new Float64Array(3 * hw);
    const mLow = new Float64Array(hw);
    const fLow = guidePatch(p, { ...params, residualSigma: 2 }, gLow, mLow);
    expect(fLow as number).toBeCloseTo(fPixel as number, 12);
    // Smoothing lowers the mean shift's pixel-to-pixel variation.
    const roughness = (g: Float64Array) => {
      let s = 0;
      for (let i = 1; i < hw; i++) s += (g[i]! - g[i - 1]!) ** 2;
      return s;
    };
    expect(roughness(gLow)).toBeLessThan(0.2 * roughness(gPixel));
    // z = y and m = 0 with f = 1 makes ρ = 0 everywhere except an added constant offset c in M.
    const c = 0.05;
    const flat: PatchGuidanceInput = { ...p, z: p.y, f: 1, m: new Float64Array(hw).fill(c) };
    const a = new Float64Array(3 * hw);
    const b = new Float64Array(3 * hw);
    guidePatch(flat, params, a, new Float64Array(hw));
    guidePatch(flat, { ...params, residualSigma: 3 }, b, new Float64Array(hw));
    for (let i = 0; i < a.length; i += 37) expect(b[i]!).toBeCloseTo(a[i]!, 10);
  });
});
