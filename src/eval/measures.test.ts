import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../enhance/image-planes.js';
import { degrade } from './degradations.js';
import { agreementDb, pairContext, scoreOutput } from './measures.js';

function disc(size: number): GrayImage {
  const gray = new Uint8Array(size * size);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - c) ** 2 + (y - c) ** 2 < (0.35 * size) ** 2) gray[y * size + x] = 90 + ((x * 5 + y * 11) % 90);
  return { width: size, height: size, gray };
}

describe('measures', () => {
  const clean = disc(40);
  const dark = degrade(clean, 'low-light');
  const ctx = pairContext(clean, dark);

  it('takes the background from the clean image: the black surround, eroded from the disc edge', () => {
    // Disc radius 14 in 40²: 61.6 % outside; 3 px of erosion leave about 43 %.
    expect(ctx.backgroundFraction).toBeGreaterThan(0.38);
    expect(ctx.backgroundFraction).toBeLessThan(0.5);
    expect(pairContext(clean, degrade(clean, 'blur')).background).toEqual(ctx.background);
  });

  it('the clean image scores perfectly; the unchanged input does not', () => {
    const perfect = scoreOutput(ctx, clean);
    expect(perfect.psnr).toBe(Number.POSITIVE_INFINITY);
    expect(perfect.ssim).toBeCloseTo(1, 10);
    expect(perfect.loe).toBeLessThan(ctx.width);
    const input = scoreOutput(ctx, dark);
    expect(input.psnr).toBeLessThan(20);
    expect(input.ssim).toBeLessThan(perfect.ssim);
    expect(input.loe).toBe(0);
    expect(input.backgroundEntropy).toBe(0);
    expect(input.meanGray).toBeLessThan(scoreOutput(ctx, clean).meanGray);
  });

  it('grain in the background raises its entropy and its mean gradient', () => {
    const noisy = { ...dark, gray: dark.gray.map((v, i) => (ctx.background[i] ? (i * 7919) % 17 : v)) };
    expect(scoreOutput(ctx, noisy).backgroundEntropy).toBeGreaterThan(2);
    expect(scoreOutput(ctx, noisy).backgroundGradient).toBeGreaterThan(3);
    expect(scoreOutput(ctx, dark).backgroundGradient).toBe(0);
  });

  it('agreement is infinite for identical outputs and falls with their difference', () => {
    expect(agreementDb(dark, dark)).toBe(Number.POSITIVE_INFINITY);
    const off = { ...dark, gray: dark.gray.map((v) => Math.min(255, v + 16)) };
    expect(agreementDb(dark, off)).toBeCloseTo(10 * Math.log10((255 * 255) / 256), 6);
    expect(() => agreementDb(dark, disc(20))).toThrow(RangeError);
  });

  it('rejects outputs of another size', () => {
    expect(() => scoreOutput(ctx, disc(20))).toThrow(RangeError);
  });
});
