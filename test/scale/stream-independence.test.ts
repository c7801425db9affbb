import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { REPO } from '../e2e/node-harness.js';

/**
 * What makes a remote executor byte-identical to the local one: a slice's output depends on its
 * pixels, the preset and its random stream only, not on the slices it shares model batches with
 * nor on the onnxruntime thread count.
 */
describe('slice results do not depend on their batch companions', () => {
  let two: ModelRegistry;
  let one: ModelRegistry;
  beforeAll(async () => {
    const manifestPaths = { embedded: join(REPO, 'model/embedded/manifest.yaml') };
    two = await ModelRegistry.open(['embedded'], { modelsDir: 'model', manifestPaths, session: { intraOpThreads: 2 } });
    one = await ModelRegistry.open(['embedded'], { modelsDir: 'model', manifestPaths, session: { intraOpThreads: 1 } });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('gives each slice the same bytes alone (with its stream) as in a shared batch', async () => {
    const slice = (k: number) => {
      const gray = new Uint8Array(80 * 64);
      for (let i = 0; i < gray.length; i++) gray[i] = 20 + ((i * 7 + k * 31 + ((i / 80) | 0) * 3) % 200);
      return { width: 80, height: 64, gray };
    };
    const images = [slice(0), slice(1), slice(2)];
    const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'embedded', steps: 8, seed: 3, patchSize: 64, stride: 32, batchSize: 16 };
    const together = await new EnhancementEngine(two).enhanceSeries(images, preset, { quality: false, firstStream: 10 });
    const engine1 = new EnhancementEngine(one);
    for (let i = 0; i < images.length; i++) {
      const [alone] = await engine1.enhanceSeries([images[i]!], preset, { quality: false, firstStream: 10 + i });
      expect(Buffer.from(alone!.gray!).equals(Buffer.from(together[i]!.gray!)), `slice ${i}`).toBe(true);
    }
    // The stream matters: the same slice with another stream comes out different.
    const [other] = await engine1.enhanceSeries([images[0]!], preset, { quality: false, firstStream: 11 });
    expect(Buffer.from(other!.gray!).equals(Buffer.from(together[0]!.gray!))).toBe(false);
  });
});
