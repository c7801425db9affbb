import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { REPO } from './python-torch.js';

// The committed embedded prior (model/embedded/): its manifest, its hash, and that it really denoises.
const MANIFEST = join(REPO, 'model/embedded/manifest.yaml');

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return (((r ^ (r >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A CT-like test image in [-1, 1]: black background, a grey body with a darker organ and a bright bone. */
function phantom(h: number, w: number): Float32Array {
  const x = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      const u = (i - w / 2) / (w * 0.38);
      const v = (y - h / 2) / (h * 0.3);
      let g = -1;
      if (u * u + v * v <= 1) g = -0.1 + 0.1 * Math.sin(i / 9);
      if ((u + 0.3) ** 2 + v * v <= 0.08) g = -0.5;
      if ((u - 0.35) ** 2 + (v - 0.3) ** 2 <= 0.02) g = 0.85;
      for (let c = 0; c < 3; c++) x[c * h * w + y * w + i] = g;
    }
  }
  return x;
}

function alphaBar(t: number, betaStart: number, betaEnd: number, T: number): number {
  let a = 1;
  for (let k = 0; k <= t; k++) a *= 1 - (betaStart + ((betaEnd - betaStart) * k) / (T - 1));
  return a;
}

describe('embedded prior (model/embedded)', () => {
  it('manifest validates and its sha256 matches embedded.onnx', async () => {
    const { manifest, modelPath } = await loadManifest(MANIFEST);
    expect(manifest).toMatchObject({ id: 'embedded', file: 'embedded.onnx', output: 'epsilon', dtype: 'float32', timestepDtype: 'int64' });
    expect(modelPath).toBe(join(REPO, 'model/embedded/embedded.onnx'));
    expect(manifest.dynamicAxes).toEqual(['batch', 'height', 'width']);
    expect(manifest.training).toBeDefined();
  });

  it('loads in onnxruntime-node with inputs x, t and dynamic height and width', async () => {
    const { manifest, modelPath } = await loadManifest(MANIFEST);
    const session = await ort.InferenceSession.create(modelPath);
    expect(session.inputNames).toEqual([manifest.inputNames.x, manifest.inputNames.t]);
    expect(session.outputNames).toEqual([manifest.outputName]);
    for (const [h, w] of [[256, 256], [64, 96]] as const) {
      const res = await session.run({
        x: new ort.Tensor('float32', phantom(h, w), [1, 3, h, w]),
        t: new ort.Tensor('int64', BigInt64Array.from([500n]), [1]),
      });
      const out = res[manifest.outputName]!;
      expect(out.dims).toEqual([1, 3, h, w]);
      expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it('predicts the noise of a noised sample far better than predicting zero', async () => {
    const { manifest, modelPath } = await loadManifest(MANIFEST);
    const session = await ort.InferenceSession.create(modelPath);
    const { betaStart = 1e-4, betaEnd = 0.02, timesteps } = manifest.schedule;
    const h = 128;
    const w = 128;
    const x0 = phantom(h, w);
    for (const t of [100, 500]) {
      const a = alphaBar(t, betaStart, betaEnd, timesteps);
      const rand = gaussian(1234 + t);
      const eps = Float32Array.from(x0, () => rand());
      const xt = Float32Array.from(x0, (v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[i]!);
      const res = await session.run({
        x: new ort.Tensor('float32', xt, [1, 3, h, w]),
        t: new ort.Tensor('int64', BigInt64Array.from([BigInt(t)]), [1]),
      });
      const pred = res[manifest.outputName]!.data as Float32Array;
      let errModel = 0;
      let errZero = 0;
      for (let i = 0; i < eps.length; i++) {
        errModel += (pred[i]! - eps[i]!) ** 2;
        errZero += eps[i]! ** 2;
      }
      expect(errModel / eps.length).toBeLessThan(0.25 * (errZero / eps.length));
    }
  });
});
