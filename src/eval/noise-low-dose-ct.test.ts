import { describe, expect, it } from 'vitest';
import { createRng } from '../enhance/rng.js';
import { addLowDoseCtNoise, bodyMask, huFromWindowed, maskedStd, projectionNoiseHu, windowedFromHu } from './noise-low-dose-ct.js';

const SOFT = { center: 40, width: 400 };
const SETUP = { incidentPhotons: 2e4, fovMm: 350, filter: 'hann' as const };

/** An elliptical water body (40 HU) in air, w × h. */
function body(w: number, h: number, a: number, b: number): Float64Array {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  return new Float64Array(w * h).map((_, i) => ((((i % w) - cx) / a) ** 2 + ((Math.floor(i / w) - cy) / b) ** 2 <= 1 ? 40 : -1000));
}

function box(w: number, h: number, x0: number, x1: number, y0: number, y1: number): Uint8Array {
  return new Uint8Array(w * h).map((_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    return x >= x0 && x < x1 && y >= y0 && y < y1 ? 1 : 0;
  });
}

/** Normalised autocorrelation of an image over a box, at a horizontal and vertical lag. */
function autocorrelation(v: Float64Array, w: number, x0: number, x1: number, y0: number, y1: number, dx: number, dy: number): number {
  let m = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++, n++) m += v[y * w + x]!;
  m /= n;
  let c = 0;
  let q = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const a = v[y * w + x]! - m;
      c += a * (v[(y + dy) * w + x + dx]! - m);
      q += a * a;
    }
  }
  return c / q;
}

describe('low-dose CT noise in the projection domain', () => {
  it('maps windowed samples back to HU, clipped ones to air and dense bone', () => {
    const hu = Float64Array.from([-150, -20, 40, 100, 230]);
    const back = huFromWindowed(windowedFromHu(hu, SOFT), SOFT);
    for (let i = 0; i < hu.length; i++) expect(Math.abs(back[i]! - hu[i]!)).toBeLessThanOrEqual(400 / 255);
    expect([...huFromWindowed([0, 255], SOFT)]).toEqual([-1000, 1000]);
    expect([...huFromWindowed([0, 255], { center: -600, width: 1500 })]).toEqual([-600 - 0.5 - 749.5, 1000]);
    expect([...bodyMask([0, 20, 128, 255], [-1000, -400, 40, 1000])]).toEqual([0, 0, 1, 0]);
  });

  it.each([20, 42, 60])('measured HU σ over the body is the target %d HU within 10 %', (sigma) => {
    const w = 96;
    const h = 80;
    const hu = body(w, h, 42, 34);
    const clean = windowedFromHu(hu, SOFT);
    const { gray } = addLowDoseCtNoise(clean, w, h, SOFT, sigma, SETUP, createRng(sigma));
    // In window units (HU per 8-bit level = (width − 1)/255), over body samples the noise left unclipped.
    const diff = Float64Array.from(gray, (v, i) => ((v - clean[i]!) * 399) / 255);
    const mask = bodyMask(clean, hu).map((m, i) => (m && gray[i]! > 0 && gray[i]! < 255 ? 1 : 0));
    const measured = maskedStd(diff, mask);
    expect(Math.abs(measured / sigma - 1)).toBeLessThan(0.1);
    // Air stays air: the noise does not reach the window's lower end from −1000 HU.
    expect(gray[0]).toBe(0);
  });

  it('FBP noise is correlated: positive at lag 1, a negative lobe at lag 3 (the ramp removes low frequencies)', () => {
    const w = 128;
    const noise = projectionNoiseHu(body(w, w, 56, 56), w, w, SETUP, createRng(1));
    for (const [dx, dy] of [[1, 0], [0, 1]] as const) expect(autocorrelation(noise, w, 40, 88, 40, 88, dx, dy)).toBeGreaterThan(0.4);
    expect(autocorrelation(noise, w, 40, 88, 40, 88, 3, 0)).toBeLessThan(-0.03);
    // White noise of the same size would give |ρ| ≈ 1/48 at any lag.
    const white = new Float64Array(w * w);
    createRng(1).fillNormal(white);
    expect(Math.abs(autocorrelation(white, w, 40, 88, 40, 88, 1, 0))).toBeLessThan(0.06);
  });

  it('rays through more tissue are noisier: σ is highest in the centre, and ∝ 1/√I0', () => {
    const w = 128;
    const h = 96;
    const hu = body(w, h, 58, 30);
    const n = projectionNoiseHu(hu, w, h, SETUP, createRng(3));
    expect(maskedStd(n, box(w, h, 54, 74, 38, 58))).toBeGreaterThan(1.3 * maskedStd(n, box(w, h, 54, 74, 22, 28)));
    const quarterDose = maskedStd(n, box(w, h, 40, 88, 30, 66));
    const fullDose = maskedStd(projectionNoiseHu(hu, w, h, { ...SETUP, incidentPhotons: 4 * SETUP.incidentPhotons }, createRng(3)), box(w, h, 40, 88, 30, 66));
    expect(quarterDose / fullDose).toBeGreaterThan(1.85);
    expect(quarterDose / fullDose).toBeLessThan(2.15);
  });

  it('is reproducible per seed', () => {
    const hu = body(48, 40, 20, 16);
    const clean = windowedFromHu(hu, SOFT);
    const a = addLowDoseCtNoise(clean, 48, 40, SOFT, 30, SETUP, createRng(5)).gray;
    expect([...addLowDoseCtNoise(clean, 48, 40, SOFT, 30, SETUP, createRng(5)).gray]).toEqual([...a]);
    expect([...addLowDoseCtNoise(clean, 48, 40, SOFT, 30, SETUP, createRng(6)).gray]).not.toEqual([...a]);
    expect(() => addLowDoseCtNoise(clean, 40, 40, SOFT, 30, SETUP, createRng(5))).toThrow(RangeError);
  });
});
