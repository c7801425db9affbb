import { describe, expect, it } from 'vitest';
import { applyNoisyKind, DEFAULT_NOISY_PARAMS, type NoisyKind, type NoisyParams, type Samples } from './noise-kinds.js';
import { bodyMask, huFromWindowed, maskedStd, windowedFromHu } from './noise-low-dose-ct.js';

const ALL: readonly NoisyKind[] = ['low-light-noisy', 'low-dose-ct', 'mr-rician', 'low-contrast-noisy', 'uneven-noisy'];

function flat(value: number, w = 64, h = 64, channels = 1): Samples {
  return { data: new Uint8Array(w * h * channels).fill(value), width: w, height: h, channels };
}

/** A CT-like slice: a water ellipse (40 HU) with a brighter organ in air, soft-tissue window. */
function ctSlice(w: number, h: number): { s: Samples; hu: Float64Array } {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const hu = new Float64Array(w * h).map((_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    if (((x - cx) / (0.42 * w)) ** 2 + ((y - cy) / (0.36 * h)) ** 2 > 1) return -1000;
    return Math.hypot(x - cx - 8, y - cy) < 10 ? 60 : 40;
  });
  return { s: { data: windowedFromHu(hu, { center: 40, width: 400 }), width: w, height: h, channels: 1 }, hu };
}

function moments(a: ArrayLike<number>, pick: (i: number) => boolean = () => true): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    if (!pick(i)) continue;
    n++;
    s += a[i]!;
  }
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < a.length; i++) if (pick(i)) v += (a[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / (n - 1)) };
}

/** The defaults with one kind's sensor fixed (ranges collapsed to a point). */
function fixedSensor(peak: number, read: number): NoisyParams {
  const sensor = { peakPhotons: { min: peak, max: peak }, readNoise: { min: read, max: read } };
  return { ...DEFAULT_NOISY_PARAMS, lowContrastNoisy: { ...DEFAULT_NOISY_PARAMS.lowContrastNoisy, ...sensor } };
}

describe('noisy degradations', () => {
  it('each kind is reproducible for a seed, differs between seeds, and draws its parameters inside their ranges', () => {
    const { s } = ctSlice(48, 40);
    for (const kind of ALL) {
      const a = applyNoisyKind(s, kind, DEFAULT_NOISY_PARAMS, 77);
      expect([...applyNoisyKind(s, kind, DEFAULT_NOISY_PARAMS, 77).data]).toEqual([...a.data]);
      expect([...applyNoisyKind(s, kind, DEFAULT_NOISY_PARAMS, 78).data]).not.toEqual([...a.data]);
      expect([...s.data]).toEqual([...ctSlice(48, 40).s.data]);
    }
    for (let seed = 0; seed < 20; seed++) {
      const ll = applyNoisyKind(s, 'low-light-noisy', DEFAULT_NOISY_PARAMS, seed).drawn;
      expect(ll.gamma).toBeGreaterThanOrEqual(2);
      expect(ll.gamma).toBeLessThanOrEqual(3);
      expect(ll.peakPhotons).toBeGreaterThanOrEqual(150);
      expect(ll.peakPhotons).toBeLessThanOrEqual(1500);
      const mr = applyNoisyKind(s, 'mr-rician', DEFAULT_NOISY_PARAMS, seed).drawn;
      expect(mr.snr).toBeGreaterThanOrEqual(5);
      expect(mr.snr).toBeLessThanOrEqual(20);
    }
  });

  it('sensor noise variance grows linearly with the mean (Poisson) above the read-noise floor', () => {
    const params = fixedSensor(400, 2);
    for (const v of [40, 120, 220]) {
      const out = applyNoisyKind(flat(v, 128, 128), 'low-contrast-noisy', params, v).data;
      const { mean, std } = moments(out);
      const rel = v / 255;
      const expected = rel / 400 + (2 / 400) ** 2 + 1 / (12 * 255 * 255);
      expect(mean).toBeCloseTo(v, 0);
      expect(Math.abs(((std / 255) ** 2) / expected - 1)).toBeLessThan(0.08);
    }
  });

  it('low light darkens mid-tones by a power law but a highlight can stay bright', () => {
    const w = 64;
    const s = flat(128, w, w);
    for (let y = 30; y < 34; y++) for (let x = 30; x < 34; x++) s.data[y * w + x] = 255;
    let brightest = 0;
    for (let seed = 0; seed < 30; seed++) {
      const r = applyNoisyKind(s, 'low-light-noisy', DEFAULT_NOISY_PARAMS, seed);
      const mid = moments(r.data, (i) => s.data[i] === 128).mean;
      const highlight = moments(r.data, (i) => s.data[i] === 255).mean;
      expect(mid).toBeLessThan(0.26 * 255);
      expect(highlight).toBeGreaterThan(0.45 * 255);
      brightest = Math.max(brightest, highlight);
    }
    expect(brightest).toBeGreaterThan(0.85 * 255);
  });

  it('low contrast shrinks the spread around the mean by the drawn factor', () => {
    const w = 128;
    const ramp: Samples = { data: new Uint8Array(w * w).map((_, i) => 20 + Math.round((215 * (i % w)) / (w - 1))), width: w, height: w, channels: 1 };
    const r = applyNoisyKind(ramp, 'low-contrast-noisy', fixedSensor(3000, 1), 4);
    const before = moments(ramp.data);
    const after = moments(r.data);
    expect(after.mean).toBeCloseTo(before.mean, -1);
    expect(Math.abs(after.std / before.std - r.drawn.factor!)).toBeLessThan(0.03);
  });

  it('uneven light keeps the brightest region and darkens to the drawn minimum', () => {
    const r = applyNoisyKind(flat(200, 96, 96), 'uneven-noisy', DEFAULT_NOISY_PARAMS, 12);
    const blocks = [0, 1, 2, 3, 4, 5].flatMap((by) => [0, 1, 2, 3, 4, 5].map((bx) => moments(r.data, (i) => Math.floor((i % 96) / 16) === bx && Math.floor(i / 96 / 16) === by).mean / 200));
    expect(Math.max(...blocks)).toBeGreaterThan(0.9);
    expect(Math.min(...blocks)).toBeLessThan(r.drawn.minimum! + 0.15);
    expect(Math.min(...blocks)).toBeGreaterThan(r.drawn.minimum! - 0.05);
  });

  it('MR Rician noise: foreground σ = mean / drawn SNR; the dark background is biased up to σ·√(π/2)', () => {
    const w = 128;
    const s: Samples = { data: new Uint8Array(w * w).map((_, i) => ((i % w) < 64 ? 0 : 160)), width: w, height: w, channels: 1 };
    for (const seed of [1, 2, 3]) {
      const r = applyNoisyKind(s, 'mr-rician', DEFAULT_NOISY_PARAMS, seed);
      const sigma = 160 / r.drawn.snr!;
      expect(r.drawn.sigma).toBeCloseTo(sigma, 10);
      expect(Math.abs(moments(r.data, (i) => i % w >= 64).std / sigma - 1)).toBeLessThan(0.1);
      expect(Math.abs(moments(r.data, (i) => i % w < 64).mean / (sigma * Math.sqrt(Math.PI / 2)) - 1)).toBeLessThan(0.1);
    }
  });

  it('low-dose CT: HU σ over the body is the drawn target within 10 %; gray images only', () => {
    const { s, hu } = ctSlice(96, 80);
    const window = { center: 40, width: 400 };
    const cleanHu = huFromWindowed(s.data, window);
    for (const seed of [5, 6]) {
      const r = applyNoisyKind(s, 'low-dose-ct', DEFAULT_NOISY_PARAMS, seed, window);
      expect(r.drawn.sigmaHu).toBeGreaterThanOrEqual(20);
      expect(r.drawn.sigmaHu).toBeLessThanOrEqual(60);
      const noisyHu = huFromWindowed(r.data, window);
      const mask = bodyMask(s.data, hu).map((m, i) => (m && r.data[i]! > 0 && r.data[i]! < 255 ? 1 : 0));
      expect(Math.abs(maskedStd(noisyHu.map((v, i) => v - cleanHu[i]!), mask) / r.drawn.sigmaHu! - 1)).toBeLessThan(0.1);
    }
    expect(() => applyNoisyKind(flat(100, 8, 8, 3), 'low-dose-ct', DEFAULT_NOISY_PARAMS, 1)).toThrow(RangeError);
    expect(() => applyNoisyKind(flat(100, 8, 8, 3), 'mr-rician', DEFAULT_NOISY_PARAMS, 1)).toThrow(RangeError);
  });
});
