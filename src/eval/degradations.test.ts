import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { gaussianKernel1d } from '../enhance/detail-transfer.js';
import { DEFAULT_DEGRADATION, degrade, degradedPairs, DEGRADATION_KINDS, gaussianBlur, illuminationField } from './degradations.js';

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

  it('is deterministic and makes one pair per kind', () => {
    const pairs = degradedPairs(img);
    expect(pairs.map((p) => p.kind)).toEqual([...DEGRADATION_KINDS]);
    for (const p of pairs) expect([...p.degraded.gray]).toEqual([...degrade(img, p.kind).gray]);
  });
});
