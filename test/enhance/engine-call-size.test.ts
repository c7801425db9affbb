/**
 * Model calls on an accelerator all have one input shape (call-sizes.ts): the last, smaller group of
 * a series is padded, and the padding does not change a byte of the result. The tiny ONNX network
 * stands in for the GPU model; the registry entry says `cuda`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry, type RegisteredModel } from '../../src/enhance/model-registry.js';
import type { PredictFn } from '../../src/enhance/sampler.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';

const REF = join(import.meta.dirname, '..', 'reference');

function scene(w: number, h: number, level: number): { width: number; height: number; gray: Uint8Array } {
  const gray = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) gray[y * w + x] = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (0.35 * w) ** 2 ? level + ((x + 2 * y) % 31) : 2;
  return { width: w, height: h, gray };
}

/** The registry's model, said to run on `device`, recording the batch of every call. */
function onDevice(registry: ModelRegistry, device: 'cpu' | 'cuda', calls: number[]): ModelRegistry {
  const real = registry.get('tiny-eps');
  const predict: PredictFn = (batch, n, h, w, t) => {
    calls.push(n);
    return real.session.predict(batch, n, h, w, t);
  };
  const model: RegisteredModel = { ...real, device, session: { ...real.session, device, predict } };
  return { get: () => model } as unknown as ModelRegistry;
}

describe('model call sizes', () => {
  let registry: ModelRegistry;
  beforeAll(async () => {
    registry = await ModelRegistry.open(['tiny-eps'], { modelsDir: REF, session: { intraOpThreads: 1 } });
  });
  afterAll(async () => registry.close());

  it('gives the accelerator one shape for a whole series, with bytes equal to the CPU path', async () => {
    // 384² slices: 4 patches each; batches of ≤ 6 → groups of 2 slices (8 patches → calls of 4 + 4);
    // the fifth slice is a group alone (4 patches) — still calls of 4.
    const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'tiny-eps', steps: 10, batchSize: 6 };
    const slices = [40, 55, 70, 85, 100].map((l) => scene(384, 384, l));
    const gpuCalls: number[] = [];
    const gpu = await new EnhancementEngine(onDevice(registry, 'cuda', gpuCalls)).enhanceSeries(slices, preset);
    expect(new Set(gpuCalls)).toEqual(new Set([4]));
    const cpuCalls: number[] = [];
    const cpu = await new EnhancementEngine(onDevice(registry, 'cpu', cpuCalls)).enhanceSeries(slices, preset);
    expect(new Set(cpuCalls)).toEqual(new Set([4])); // even calls (4 + 4), not 6 + 2
    gpu.forEach((r, i) => expect(Buffer.from(r.image.data).equals(Buffer.from(cpu[i]!.image.data))).toBe(true));
  });

  it('pads the smaller last group to the series call size on an accelerator only', async () => {
    // 256² slices: 1 patch each; batches of ≤ 3 → groups of 3 slices, the last of 1.
    const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'tiny-eps', steps: 10, batchSize: 3 };
    const slices = [40, 55, 70, 85].map((l) => scene(256, 256, l));
    const gpuCalls: number[] = [];
    const gpu = await new EnhancementEngine(onDevice(registry, 'cuda', gpuCalls)).enhanceSeries(slices, preset);
    expect(new Set(gpuCalls)).toEqual(new Set([3]));
    const cpuCalls: number[] = [];
    const cpu = await new EnhancementEngine(onDevice(registry, 'cpu', cpuCalls)).enhanceSeries(slices, preset);
    expect(new Set(cpuCalls)).toEqual(new Set([3, 1]));
    gpu.forEach((r, i) => expect(Buffer.from(r.image.data).equals(Buffer.from(cpu[i]!.image.data))).toBe(true));
  });
});
