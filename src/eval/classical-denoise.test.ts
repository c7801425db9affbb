import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGrayImage, type EngineImage, type GrayImage } from '../enhance/image-planes.js';
import type { RgbImage } from '../render/rgb-image.js';
import { NodeError } from '../shared/errors.js';
import { createRng } from '../enhance/rng.js';
import { decodeDenoiseFrames, denoiseClassical, denoiseClassicalBatch, encodeDenoiseFrames } from './classical-denoise.js';

/** Deterministic uniform [0, 1) source. */
function uniform(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.uniform();
}

function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A body-like slice, values 60…190 (so noise of σ 10 never clips): disc with a gradient, an organ. */
function phantomValue(x: number, y: number, size: number): number {
  const c = (size - 1) / 2;
  const r2 = ((x - c) ** 2 + (y - c) ** 2) / (0.42 * size) ** 2;
  if (r2 > 1) return 60;
  const organ = ((x - 0.6 * size) ** 2 + (y - 0.45 * size) ** 2) / (0.12 * size) ** 2 <= 1;
  return organ ? 190 : 110 + (40 * x) / size;
}

function grayPhantom(size: number): GrayImage {
  const gray = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) gray[y * size + x] = Math.round(phantomValue(x, y, size));
  return { width: size, height: size, gray };
}

function rgbPhantom(size: number): RgbImage {
  const data = new Uint8Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = phantomValue(x, y, size);
      const p = 3 * (y * size + x);
      data[p] = Math.round(v);
      data[p + 1] = Math.round(0.7 * v);
      data[p + 2] = Math.round(0.55 * v + 20);
    }
  }
  return { width: size, height: size, data };
}

function withNoise(bytes: Uint8Array, sigma: number, seed: number): Uint8Array {
  const g = gaussian(seed);
  return bytes.map((v) => Math.min(255, Math.max(0, Math.round(v + sigma * g()))));
}

function bytesOf(img: EngineImage): Uint8Array {
  return isGrayImage(img) ? img.gray : img.data;
}

function mse(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

describe('classical denoise frames', () => {
  it('encode writes a header line and the bytes of each image; decode reads answers back in order', () => {
    const g: GrayImage = { width: 2, height: 1, gray: Uint8Array.of(1, 2) };
    const c: RgbImage = { width: 1, height: 1, data: Uint8Array.of(3, 4, 5) };
    const enc = encodeDenoiseFrames([g, c]);
    expect(enc.toString('latin1')).toBe('{"width":2,"height":1,"channels":1}\n\x01\x02{"width":1,"height":1,"channels":3}\n\x03\x04\x05');
    const answer = Buffer.concat([
      Buffer.from('{"sigma":0.01,"method":"tv","params":{"weightK":0.9},"maxSigma":0.02}\n'),
      Buffer.of(7, 8),
      Buffer.from('{"sigma":0.2,"method":"nlm","params":{"hK":0.8},"maxSigma":null}\n'),
      Buffer.of(9, 10, 11),
    ]);
    const [dg, dc] = decodeDenoiseFrames(answer, [g, c]);
    expect(dg).toEqual({ image: { width: 2, height: 1, gray: Uint8Array.of(7, 8) }, sigma: 0.01, method: 'tv', params: { weightK: 0.9 } });
    expect(dc!.image).toEqual({ width: 1, height: 1, data: Uint8Array.of(9, 10, 11) });
    expect(dc!.method).toBe('nlm');
    expect(() => decodeDenoiseFrames(answer.subarray(0, answer.length - 1), [g, c])).toThrow(/truncated/);
    expect(() => decodeDenoiseFrames(Buffer.concat([answer, Buffer.of(0)]), [g, c])).toThrow(/past the last/);
    expect(() => decodeDenoiseFrames(Buffer.from('{"sigma":"x"}\n'), [g])).toThrow(/bad denoiser header/);
  });

  it('encode refuses an image whose buffer does not match its size', () => {
    expect(() => encodeDenoiseFrames([{ width: 3, height: 3, gray: new Uint8Array(8) }])).toThrow(RangeError);
  });
});

describe('classical denoise through Debian Python and scikit-image', () => {
  const size = 96;
  const clean = grayPhantom(size);
  const sigma = 10;
  const noisy: GrayImage = { ...clean, gray: withNoise(clean.gray, sigma, 7) };
  const cleanRgb = rgbPhantom(size);
  const noisyRgb: RgbImage = { ...cleanRgb, data: withNoise(cleanRgb.data, sigma, 8) };

  it('estimates σ of synthetic Gaussian noise within 15 %, gray and RGB', async () => {
    const [g, c] = await denoiseClassicalBatch([noisy, noisyRgb]);
    expect(Math.abs(g!.sigma * 255 - sigma) / sigma).toBeLessThan(0.15);
    expect(Math.abs(c!.sigma * 255 - sigma) / sigma).toBeLessThan(0.15);
  });

  it('lowers the MSE of a noisy phantom at least threefold, gray and RGB, and says which denoiser ran', async () => {
    const [g, c] = await denoiseClassicalBatch([noisy, noisyRgb]);
    expect(mse(bytesOf(g!.image), clean.gray)).toBeLessThan(mse(noisy.gray, clean.gray) / 3);
    expect(mse(bytesOf(c!.image), cleanRgb.data)).toBeLessThan(mse(noisyRgb.data, cleanRgb.data) / 3);
    for (const r of [g!, c!]) {
      expect(['nlm', 'tv', 'wavelet', 'bilateral']).toContain(r.method);
      expect(Object.keys(r.params).length).toBeGreaterThan(0);
    }
  });

  it('passes a clean image nearly unchanged (PSNR ≥ 40 dB against itself)', async () => {
    for (const img of [clean, cleanRgb]) {
      const out = await denoiseClassical(img);
      expect(out.sigma * 255).toBeLessThan(2);
      expect(10 * Math.log10((255 * 255) / Math.max(mse(bytesOf(out.image), bytesOf(img)), 1e-9))).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('classical denoise errors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'classical-denoise-'));
    await writeFile(join(dir, 'missing.py'), 'import sys\nprint("missing Python module: skimage", file=sys.stderr)\nsys.exit(3)\n');
    await writeFile(join(dir, 'crash.py'), 'import sys\nsys.stdin.buffer.read()\nprint("boom", file=sys.stderr)\nsys.exit(1)\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const img: GrayImage = { width: 4, height: 4, gray: new Uint8Array(16).fill(100) };

  it('names the missing Python interpreter', async () => {
    const err = await denoiseClassical(img, { python: '/nonexistent/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).code).toBe('PACS_E_EVAL_DENOISER');
    expect((err as Error).message).toMatch(/\/nonexistent\/python3.*setup\.sh/);
  });

  it('names a missing scikit-image and a crashing runner', async () => {
    await expect(denoiseClassical(img, { script: join(dir, 'missing.py') })).rejects.toThrow(/skimage.*setup\.sh/);
    await expect(denoiseClassical(img, { script: join(dir, 'crash.py') })).rejects.toThrow(/exited with 1: boom/);
  });
});
