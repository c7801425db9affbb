import { describe, expect, it } from 'vitest';
import { FLAT_SPREAD, FULL_STRETCH_SPREAD, backgroundThreshold, borderConnectedDark, conditionInput, featherWeight, gammaForMean, localMean, luminance, stretchStrength } from './conditioning.js';
import { fromPlanarSigned, quantise, toPlanarUnit } from './image-planes.js';
import { createRng } from './rng.js';

/** 40×30 image: dark border region, bright square with a dark enclosed hole. */
function scene(level = 0.6): { img: Float32Array; w: number; h: number } {
  const w = 40;
  const h = 30;
  const img = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0.005;
      if (x >= 10 && x < 30 && y >= 5 && y < 25) v = x >= 18 && x < 22 && y >= 13 && y < 17 ? 0 : level * (0.5 + (x - 10) / 40);
      for (let c = 0; c < 3; c++) img[c * w * h + y * w + x] = v;
    }
  }
  return { img, w, h };
}

const opts = { contrastStretch: false, startGamma: false, localGamma: false, brightenOnlyUnderexposed: false, exposureJudgedBy: 'bright-end' as const, backgroundProtection: true, exposureForegroundOnly: true, exposureTarget: 'input' as const, noiseSigma: 0, backgroundNoiseFloor: 0, backgroundJudgedBy: 'bright-end' as const };

describe('conditioning', () => {
  it('finds dark regions connected to the border, not enclosed dark holes', () => {
    const { img, w, h } = scene();
    const mask = borderConnectedDark(img.subarray(0, w * h), w, h, 0.02);
    expect(mask[0]).toBe(1);
    expect(mask[15 * w + 20]).toBe(0); // enclosed hole
    expect(mask[10 * w + 15]).toBe(0); // object
  });

  it('feathers the kept background: 0 on the object, rising to 1 inside the background', () => {
    const mask = new Uint8Array(30).fill(1);
    mask.fill(0, 10, 20);
    const wgt = featherWeight(mask, 30, 1, 4);
    expect(wgt[15]).toBe(0);
    expect(wgt[9]).toBeCloseTo(0.25, 6);
    expect(wgt[21]).toBeCloseTo(0.5, 6);
    expect(wgt[0]).toBe(1);
  });

  it('brightens only, aiming the foreground mean at mid-grey', () => {
    expect(gammaForMean(0.25)).toBeCloseTo(0.5, 12);
    expect(gammaForMean(0.8)).toBe(1);
    expect(gammaForMean(0.001)).toBe(0.25);
  });

  it('builds reference, start, per-pixel target and keep weight; background blocks are not pulled', () => {
    const { img, w, h } = scene(0.3);
    const c = conditionInput(img, w, h, { ...opts, startGamma: true });
    expect(c.stats.gamma).toBeLessThan(1);
    expect(c.start[10 * w + 15]!).toBeGreaterThan(img[10 * w + 15]!);
    const target = c.exposureTarget as Float32Array;
    expect(Number.isNaN(target[0]!)).toBe(true);
    expect(target[10 * w + 15]).toBeCloseTo(2 * c.start[10 * w + 15]! - 1, 6);
    expect(c.keepWeight![0]).toBe(1);
    expect(c.keepWeight![4 * w + 15]).toBe(1); // background next to the object: kept
    expect(c.keepWeight![5 * w + 15]).toBeCloseTo(0.75, 6); // first object row: ramp starts
    expect(c.keepWeight![12 * w + 15]).toBe(0); // deep inside the object
    expect(c.stats.backgroundFraction).toBeGreaterThan(0.5);
  });

  it('averages locally over weighted pixels only', () => {
    const w = 30;
    const h = 20;
    const values = Float32Array.from({ length: w * h }, (_, i) => (i % w < 15 ? 0.2 : 0.8));
    const weight = Float32Array.from({ length: w * h }, (_, i) => (i % w < 15 ? 1 : 0));
    const m = localMean(values, weight, w, h, 3);
    expect(m[5 * w + 14]).toBeCloseTo(0.2, 5); // only the weighted left half counts
    expect(Number.isNaN(m[5 * w + 29]!)).toBe(true); // nothing weighted within reach
    const flat = localMean(values, new Float32Array(w * h).fill(1), w, h, 3);
    expect(flat[5 * w + 2]).toBeCloseTo(0.2, 5);
    expect(flat[5 * w + 15]!).toBeGreaterThan(0.2);
  });

  it('local gamma brightens the dark side of an unevenly lit object more', () => {
    const w = 60;
    const h = 40;
    const img = new Float32Array(3 * w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) img[c * w * h + y * w + x] = 0.5 * (0.2 + (0.8 * x) / w);
    const global = conditionInput(img, w, h, { ...opts, startGamma: true });
    const local = conditionInput(img, w, h, { ...opts, startGamma: true, localGamma: true });
    const left = 20 * w + 2;
    const right = 20 * w + 57;
    expect(local.start[left]! - img[left]!).toBeGreaterThan(global.start[left]! - img[left]!);
    expect(local.start[right]! / local.start[left]!).toBeLessThan(global.start[right]! / global.start[left]!);
  });

  it('stretches low-contrast inputs and leaves full-range inputs alone', () => {
    const { img, w, h } = scene(0.6);
    const flat = img.map((v) => 0.35 + 0.5 * v);
    const c = conditionInput(flat, w, h, { ...opts, contrastStretch: true });
    expect(c.stats.stretched).toBe(true);
    expect(c.reference[0]!).toBeLessThan(0.02);
    const full = img.map((v, i) => (i % 7 === 0 ? 1 : v));
    expect(conditionInput(full, w, h, { ...opts, contrastStretch: true }).stats.stretched).toBe(false);
  });

  it('does not stretch an intrinsically flat image (its noise would become structure), and fades the stretch in', () => {
    const { img, w, h } = scene(0.6);
    const nearlyFlat = img.map((v) => 0.3 + 0.1 * v);
    const c = conditionInput(nearlyFlat, w, h, { ...opts, contrastStretch: true });
    expect(c.stats.stretched).toBe(false);
    expect(c.reference).toBe(nearlyFlat);
    expect(stretchStrength(FLAT_SPREAD)).toBe(0);
    expect(stretchStrength(FULL_STRETCH_SPREAD)).toBe(1);
    const mid = conditionInput(img.map((v) => 0.35 + 0.19 * v), w, h, { ...opts, contrastStretch: true });
    expect(mid.stats.stretched).toBe(true);
    // Partly stretched: darker than the input's black level, but not pulled to 0.
    expect(mid.reference[0]!).toBeGreaterThan(0.02);
    expect(mid.reference[0]!).toBeLessThan(0.35);
  });

  it('reads a noisy input\'s statistics from a smoothed copy: the lifted black level is stretched and the background found', () => {
    const { img, w, h } = scene(0.6);
    const rng = createRng(7);
    const sigma = 6 / 255;
    // Flattened towards a dark grey, then noise: the raw 1st percentile sits 2–3 σ below the
    // background's level, under LIFTED_BLACK, and noisy background pixels cut the mask.
    const noisy = img.map((v) => Math.min(1, Math.max(0, 0.06 + 0.4 * v + sigma * rng.normal())));
    const raw = conditionInput(noisy, w, h, { ...opts, contrastStretch: true, noiseSigma: 0 });
    const measured = conditionInput(noisy, w, h, { ...opts, contrastStretch: true, noiseSigma: sigma });
    expect(raw.stats.stretched).toBe(false);
    expect(measured.stats.stretched).toBe(true);
    expect(measured.stats.backgroundFraction).toBeGreaterThan(0.4);
    expect(measured.smoothedReference).not.toBeNull();
    expect(raw.smoothedReference).toBeNull();
    // The stretch itself applies to the input's pixels, not to the smoothed copy.
    expect(measured.reference).not.toEqual(measured.smoothedReference);
  });

  it('stretches colour by the range of all channels, so a saturated channel is not clipped', () => {
    const { img, w, h } = scene(0.6);
    const hw = w * h;
    // A red object: R = v, G = B = v / 3, flattened towards grey.
    const red = new Float32Array(3 * hw);
    for (let i = 0; i < hw; i++) {
      const v = img[i]!;
      red[i] = 0.3 + 0.45 * v;
      red[i + hw] = red[i + 2 * hw] = 0.3 + 0.45 * (v / 3);
    }
    const c = conditionInput(red, w, h, { ...opts, contrastStretch: true });
    expect(c.stats.stretched).toBe(true);
    let clipped = 0;
    for (let i = 0; i < hw; i++) if (c.reference[i]! >= 1) clipped++;
    expect(clipped / hw).toBeLessThan(0.002);
  });

  it('counts a dark region within backgroundNoiseFloor σ of black as background (Rician MR air)', () => {
    const { img, w, h } = scene(0.6);
    const sigma = 0.03;
    const rng = createRng(3);
    // Magnitude of complex Gaussian noise around the signal: the air reads about 1.25 σ, not 0.
    const mag = img.map((v) => Math.hypot(v + sigma * rng.normal(), sigma * rng.normal()));
    for (let c = 1; c < 3; c++) mag.copyWithin(c * w * h, 0, w * h);
    const without = conditionInput(mag, w, h, { ...opts, noiseSigma: sigma });
    const floor = conditionInput(mag, w, h, { ...opts, noiseSigma: sigma, backgroundNoiseFloor: 2 });
    expect(floor.stats.backgroundFraction).toBeGreaterThan(without.stats.backgroundFraction);
    expect(floor.stats.backgroundFraction).toBeGreaterThan(0.4);
  });

  it('judged by the border, a dim vignetted rim a few levels above the black mask stays object', () => {
    const w = 48;
    const h = 48;
    const hw = w * h;
    const rng = createRng(5);
    const img = new Float32Array(3 * hw);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const r = Math.hypot(x - 23.5, y - 23.5);
        // Scope mask at black with read noise; inside, tissue falling from 0.6 to 6 grey levels at the rim.
        const v = r > 20 ? 0 : 6 / 255 + (0.6 - 6 / 255) * (1 - r / 20) ** 2;
        for (let c = 0; c < 3; c++) img[c * hw + y * w + x] = Math.max(0, v + 0.002 * rng.normal());
      }
    }
    const inside = Array.from({ length: hw }, (_, i) => Math.hypot((i % w) - 23.5, Math.floor(i / w) - 23.5) <= 20).filter(Boolean).length;
    const byBrightEnd = conditionInput(img, w, h, opts);
    const byBorder = conditionInput(img, w, h, { ...opts, backgroundJudgedBy: 'border' });
    expect(byBrightEnd.stats.backgroundFraction).toBeGreaterThan((hw - inside) / hw + 0.1);
    expect(byBorder.stats.backgroundFraction).toBeCloseTo((hw - inside) / hw, 1);
    expect(backgroundThreshold(luminance(img, hw), w, h, 'border', 0)).toBeLessThan(backgroundThreshold(luminance(img, hw), w, h, 'bright-end', 0));
  });

  it('stretches to the rendering\'s black level: grey air in a CT lung window stays grey', () => {
    const { img, w, h } = scene(0.6);
    const air = 0.233;
    // The clean lung-window slice: air at the black level, tissue above; then flattened to low contrast.
    const flat = img.map((v) => 0.45 + 0.35 * (air + (1 - air) * v - 0.45));
    const toBlack = conditionInput(flat, w, h, { ...opts, contrastStretch: true });
    const toAir = conditionInput(flat, w, h, { ...opts, contrastStretch: true, blackLevel: air });
    expect(toBlack.stats.stretched).toBe(true);
    expect(toAir.stats.stretched).toBe(true);
    expect(toBlack.reference[0]!).toBeLessThan(0.02);
    expect(toAir.reference[0]!).toBeCloseTo(air, 1);
    // An unflattened lung-window slice (air at the black level, full range above it) is not stretched.
    const clean = img.map((v, i) => (i % 11 === 0 ? 1 : air + (1 - air) * v));
    expect(conditionInput(clean, w, h, { ...opts, contrastStretch: true, blackLevel: air }).stats.stretched).toBe(false);
  });

  it('protects nothing when the paper options are used', () => {
    const { img, w, h } = scene();
    const c = conditionInput(img, w, h, { ...opts, backgroundProtection: false, exposureForegroundOnly: false, exposureTarget: 0.4 });
    expect(c.keepWeight).toBeNull();
    expect(c.exposureTarget).toBe(0.4);
    expect(c.start).toBe(img);
  });
});

describe('image planes (spec §4, §8.11)', () => {
  it('maps -1 → 0 and 1 → 255 with truncation and clamping', () => {
    expect(quantise(-1)).toBe(0);
    expect(quantise(1)).toBe(255);
    expect(quantise(0)).toBe(127);
    expect(quantise(-2)).toBe(0);
    expect(quantise(3)).toBe(255);
    expect(quantise(0.999)).toBe(254);
  });

  it('replicates gray to RGB and averages back', () => {
    const gray = { width: 2, height: 1, gray: Uint8Array.from([0, 255]) };
    const planar = toPlanarUnit(gray);
    expect([...planar]).toEqual([0, 1, 0, 1, 0, 1]);
    const out = fromPlanarSigned(Float32Array.from([-1, 1, -1, 0, -1, 1]), 2, 1, true);
    expect([...out.gray!]).toEqual([0, quantise(2 / 3)]);
    expect([...out.image.data]).toEqual([0, 0, 0, quantise(2 / 3), quantise(2 / 3), quantise(2 / 3)]);
    const rgb = toPlanarUnit({ width: 1, height: 1, data: Uint8Array.from([255, 0, 51]) });
    expect([...rgb].map((v) => Math.round(v * 255))).toEqual([255, 0, 51]);
  });
});

describe('brightening only what is underexposed', () => {
  /** The scene with a few bright structures (bone, contrast) at `peak` on a mid-dark object. */
  function withHighlights(peak: number, level: number) {
    const s = scene(level);
    const hw = s.w * s.h;
    for (const [x, y] of [[12, 7], [27, 22], [12, 22], [27, 7]] as const) {
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) for (let c = 0; c < 3; c++) s.img[c * hw + (y + dy) * s.w + x + dx] = peak;
    }
    return s;
  }
  const gammaOpts = { ...opts, startGamma: true, localGamma: false };

  it('leaves a well-exposed input (bright end near white) unbrightened', () => {
    const { img, w, h } = withHighlights(0.95, 0.5);
    expect(conditionInput(img, w, h, { ...gammaOpts, brightenOnlyUnderexposed: true }).stats.gamma).toBe(1);
    expect(conditionInput(img, w, h, { ...gammaOpts, brightenOnlyUnderexposed: false }).stats.gamma).toBeLessThan(0.95);
  });

  it('leaves a dim but flat input alone: without structure there is no bright end to judge by', () => {
    const { img, w, h } = withHighlights(0.3, 0.4);
    const flat = img.map((v) => 0.22 + 0.1 * v);
    expect(conditionInput(flat, w, h, { ...gammaOpts, brightenOnlyUnderexposed: true }).stats.gamma).toBe(1);
    expect(conditionInput(flat, w, h, { ...gammaOpts, brightenOnlyUnderexposed: false }).stats.gamma).toBeLessThan(0.9);
  });

  it('brightens a low-light input (dim bright end) fully, globally and locally', () => {
    const { img, w, h } = withHighlights(0.35, 0.18);
    const only = conditionInput(img, w, h, { ...gammaOpts, brightenOnlyUnderexposed: true });
    const always = conditionInput(img, w, h, { ...gammaOpts, brightenOnlyUnderexposed: false });
    expect(only.stats.gamma).toBeLessThan(0.7);
    expect(only.stats.gamma).toBeCloseTo(always.stats.gamma, 6);
    const local = conditionInput(img, w, h, { ...gammaOpts, localGamma: true, brightenOnlyUnderexposed: true });
    const i = 15 * w + 14;
    expect(local.start[i]).toBeGreaterThan(img[i]! * 1.5);
  });
});
