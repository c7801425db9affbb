import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { gaussianKernel1d } from '../enhance/detail-transfer.js';
import type { EvalImage } from './heldout-set.js';
import {
  CLASSIC_KINDS,
  DEFAULT_DEGRADATION,
  degradationSeed,
  degrade,
  degradeDetailed,
  degradedPairs,
  DEGRADATION_KINDS,
  EVAL_SET_SEEDS,
  evalDegradeOptions,
  gaussianBlur,
  illuminationField,
  kindAppliesTo,
  NOISY_KINDS,
} from './degradations.js';

function ramp(width: number, height: number): GrayImage {
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round((255 * (i % width)) / (width - 1));
  return { width, height, gray };
}

function mean(a: Uint8Array): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

function std(a: Uint8Array): number {
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
}

describe('degradations', () => {
  const img = ramp(32, 24);

  it('low light darkens every pixel and keeps black black', () => {
    const d = degrade(img, 'low-light');
    for (let i = 0; i < d.gray.length; i++) expect(d.gray[i]).toBeLessThanOrEqual(img.gray[i]!);
    expect(d.gray[0]).toBe(0);
    expect(d.gray[31]).toBe(Math.round(255 * DEFAULT_DEGRADATION.lowLightScale));
    expect(mean(d.gray)).toBeLessThan(0.4 * mean(img.gray));
  });

  it('low contrast keeps the mean and shrinks the spread by the factor', () => {
    const d = degrade(img, 'low-contrast');
    expect(mean(d.gray)).toBeCloseTo(mean(img.gray), 0);
    expect(std(d.gray) / std(img.gray)).toBeCloseTo(DEFAULT_DEGRADATION.lowContrastFactor, 1);
  });

  it('uneven illumination is a smooth multiplicative field from min to 1', () => {
    expect(illuminationField(0, 0, 10, 10, 0.2)).toBeCloseTo(0.2, 12);
    expect(illuminationField(9, 9, 10, 10, 0.2)).toBeCloseTo(1, 12);
    let prev = 0;
    for (let x = 0; x < 10; x++) {
      const f = illuminationField(x, 5, 10, 10, 0.2);
      expect(f).toBeGreaterThanOrEqual(prev);
      prev = f;
    }
    const flat: GrayImage = { width: 16, height: 16, gray: new Uint8Array(256).fill(200) };
    const d = degrade(flat, 'uneven');
    expect(d.gray[0]).toBe(40);
    expect(d.gray[255]).toBe(200);
  });

  it('blur keeps a constant image constant and smooths an edge', () => {
    const k = gaussianKernel1d(1.5);
    expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const flat: GrayImage = { width: 9, height: 7, gray: new Uint8Array(63).fill(77) };
    expect([...gaussianBlur(flat, 2).gray]).toEqual([...flat.gray]);
    const edge: GrayImage = { width: 20, height: 4, gray: new Uint8Array(80).map((_, i) => (i % 20 < 10 ? 0 : 255)) };
    const b = degrade(edge, 'blur');
    expect(b.gray[9]).toBeGreaterThan(0);
    expect(b.gray[10]).toBeLessThan(255);
    expect(mean(b.gray)).toBeCloseTo(mean(edge.gray), 0);
  });

  it('degrades RGB per channel and leaves the input untouched', () => {
    const data = new Uint8Array(4 * 4 * 3).map((_, i) => (i % 3 === 0 ? 200 : 100));
    const rgb: RgbImage = { width: 4, height: 4, data };
    const before = data.slice();
    const d = degrade(rgb, 'low-light');
    expect(d.data.length).toBe(48);
    expect(d.data[0]).toBe(Math.round(255 * 0.4 * (200 / 255) ** 1.5));
    expect(d.data[1]).toBe(Math.round(255 * 0.4 * (100 / 255) ** 1.5));
    expect([...data]).toEqual([...before]);
  });

  it('is deterministic and makes one pair per classic kind by default', () => {
    const pairs = degradedPairs(img);
    expect(pairs.map((p) => p.kind)).toEqual([...CLASSIC_KINDS]);
    for (const p of pairs) expect([...p.degraded.gray]).toEqual([...degrade(img, p.kind, DEFAULT_DEGRADATION).gray]);
  });
});

describe('noisy kinds through degrade()', () => {
  const ct: GrayImage = { width: 40, height: 32, gray: new Uint8Array(40 * 32).map((_, i) => (Math.hypot((i % 40) - 20, Math.floor(i / 40) - 16) < 13 ? 130 : 0)) };

  it('groups the kinds and says which modality each applies to', () => {
    expect(DEGRADATION_KINDS).toEqual([...CLASSIC_KINDS, ...NOISY_KINDS]);
    expect(new Set(DEGRADATION_KINDS).size).toBe(DEGRADATION_KINDS.length);
    expect(kindAppliesTo('low-dose-ct', 'CT')).toBe(true);
    expect(kindAppliesTo('low-dose-ct', 'MR')).toBe(false);
    expect(kindAppliesTo('low-dose-ct', 'ES')).toBe(false);
    expect(kindAppliesTo('mr-rician', 'MR')).toBe(true);
    expect(kindAppliesTo('mr-rician', 'CT')).toBe(false);
    for (const kind of ['low-light', 'low-light-noisy'] as const) expect(['CT', 'MR', 'ES', 'XC'].filter((m) => kindAppliesTo(kind, m))).toEqual(['ES', 'XC']);
    for (const kind of ['uneven', 'uneven-noisy'] as const) expect(['CT', 'MR', 'ES', 'XC'].filter((m) => kindAppliesTo(kind, m))).toEqual(['MR', 'ES', 'XC']);
    for (const kind of ['low-contrast-noisy', 'low-contrast', 'blur'] as const) {
      for (const m of ['CT', 'MR', 'ES', 'XC']) expect(kindAppliesTo(kind, m)).toBe(true);
    }
  });

  it('derives a stable, distinct seed per set, image and kind', () => {
    const s = degradationSeed(EVAL_SET_SEEDS.dev, 'dev-ct-thorax', 'low-dose-ct');
    expect(degradationSeed(EVAL_SET_SEEDS.dev, 'dev-ct-thorax', 'low-dose-ct')).toBe(s);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    const others = [
      degradationSeed(EVAL_SET_SEEDS.heldout, 'dev-ct-thorax', 'low-dose-ct'),
      degradationSeed(EVAL_SET_SEEDS.dev, 'dev-ct-thoraX', 'low-dose-ct'),
      degradationSeed(EVAL_SET_SEEDS.dev, 'dev-ct-thorax', 'low-light-noisy'),
      degradationSeed(EVAL_SET_SEEDS.dev + 1, 'dev-ct-thorax', 'low-dose-ct'),
    ];
    expect(new Set([s, ...others]).size).toBe(5);
    expect(() => degradationSeed(-1, 'a', 'blur')).toThrow(RangeError);
  });

  it('an evaluation image is degraded with its set seed and its window', () => {
    const base: EvalImage = { name: 'x', set: 'dev', header: { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' }, image: ct, voiWindow: { name: 'lung', center: -600, width: 1500 } };
    const opts = evalDegradeOptions(base, 'low-dose-ct', { blurSigma: 2 });
    expect(opts).toMatchObject({ seed: degradationSeed(EVAL_SET_SEEDS.dev, 'x', 'low-dose-ct'), window: { center: -600, width: 1500 }, blurSigma: 2 });
    expect(evalDegradeOptions({ ...base, set: 'heldout' }, 'low-dose-ct').seed).not.toBe(opts.seed);
    expect(evalDegradeOptions({ ...base, voiWindow: undefined }, 'low-dose-ct').window).toBeUndefined();
  });

  it('is bit-reproducible for a seed, differs between seeds, and says what it drew', () => {
    for (const kind of ['low-light-noisy', 'low-dose-ct', 'mr-rician', 'low-contrast-noisy', 'uneven-noisy'] as const) {
      const a = degradeDetailed(ct, kind, { seed: 9 });
      expect(a.seed).toBe(9);
      expect(Object.keys(a.drawn).length).toBeGreaterThan(0);
      expect([...degrade(ct, kind, { seed: 9 }).gray]).toEqual([...a.image.gray]);
      expect([...degrade(ct, kind, { seed: 10 }).gray]).not.toEqual([...a.image.gray]);
      // Without a seed: still deterministic (a hash of the pixels and the kind).
      expect([...degrade(ct, kind).gray]).toEqual([...degrade(ct, kind).gray]);
    }
    expect(degradeDetailed(ct, 'blur').drawn).toEqual({});
  });

  it('low-dose CT reads the image through its window; RGB works for the camera kinds only', () => {
    const soft = degrade(ct, 'low-dose-ct', { seed: 3 });
    expect([...degrade(ct, 'low-dose-ct', { seed: 3, window: { center: 40, width: 400 } }).gray]).toEqual([...soft.gray]);
    expect([...degrade(ct, 'low-dose-ct', { seed: 3, window: { center: 40, width: 80 } }).gray]).not.toEqual([...soft.gray]);
    const rgb: RgbImage = { width: 8, height: 8, data: new Uint8Array(192).fill(150) };
    expect(degrade(rgb, 'low-light-noisy', { seed: 1 }).data.length).toBe(192);
    expect(() => degrade(rgb, 'low-dose-ct', { seed: 1 })).toThrow(RangeError);
  });
});
