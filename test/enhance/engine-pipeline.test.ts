/**
 * Two slice groups in flight on an accelerator: the CPU work of one overlaps the model call of the
 * other. The tiny ONNX network stands in for the GPU model; the registry entry says `cuda`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine, pipelineDepth } from '../../src/enhance/engine.js';
import { ModelRegistry, type RegisteredModel } from '../../src/enhance/model-registry.js';
import type { PredictFn } from '../../src/enhance/sampler.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { CancelledError, ModelContractError } from '../../src/shared/errors.js';

const REF = join(import.meta.dirname, '..', 'reference');
// Batches of 1 patch: every 256² slice is its own group, so a 4-slice series has 4 groups.
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'tiny-eps', steps: 10, batchSize: 1 };

function scene(level: number): { width: number; height: number; gray: Uint8Array } {
  const gray = new Uint8Array(256 * 256);
  for (let i = 0; i < gray.length; i++) gray[i] = ((i % 256) - 128) ** 2 + ((i >> 8) - 128) ** 2 < 90 ** 2 ? level + (i % 31) : 2;
  return { width: 256, height: 256, gray };
}

/** The registry's model, said to run on `device`, with a predict that counts calls in flight. */
function onDevice(registry: ModelRegistry, device: 'cpu' | 'cuda', wrap: (p: PredictFn) => PredictFn): ModelRegistry {
  const real = registry.get('tiny-eps');
  const model: RegisteredModel = { ...real, device, session: { ...real.session, device, predict: wrap(real.session.predict) } };
  return { get: () => model } as unknown as ModelRegistry;
}

describe('EnhancementEngine on an accelerator', () => {
  let registry: ModelRegistry;
  beforeAll(async () => {
    registry = await ModelRegistry.open(['tiny-eps'], { modelsDir: REF, session: { intraOpThreads: 1 } });
  });
  afterAll(async () => registry.close());

  it('keeps two groups in flight on cuda and one on the CPU', () => {
    expect(pipelineDepth({ device: 'cuda' })).toBe(2);
    expect(pipelineDepth({ device: 'cpu' })).toBe(1);
  });

  it('overlaps model calls of two groups and gives the same bytes as one group at a time', async () => {
    const slices = [scene(40), scene(60), scene(80), scene(100)];
    let inFlight = 0;
    let most = 0;
    const counting = (p: PredictFn): PredictFn => async (...args) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return await p(...args);
      } finally {
        inFlight--;
      }
    };
    const steps: number[] = [];
    const gpu = await new EnhancementEngine(onDevice(registry, 'cuda', counting)).enhanceSeries(slices, preset, { onProgress: (p) => steps.push(p.step) });
    expect(most).toBe(2);
    most = 0;
    const cpu = await new EnhancementEngine(onDevice(registry, 'cpu', counting)).enhanceSeries(slices, preset);
    expect(most).toBe(1);
    expect(gpu).toHaveLength(4);
    gpu.forEach((r, i) => expect(Buffer.from(r.image.data).equals(Buffer.from(cpu[i]!.image.data))).toBe(true));
    // progress counts the steps of all groups, once each, up to the total
    expect(steps.at(-1)).toBe(4 * gpu[0]!.steps);
    expect(new Set(steps).size).toBe(steps.length);
  });

  it('stops the other group when one fails, and reports the failure', async () => {
    let calls = 0;
    let callsAtFailure = -1;
    const failing = (p: PredictFn): PredictFn => async (batch, n, h, w, t) => {
      calls++;
      const out = await p(batch, n, h, w, t);
      if (calls === 3) {
        callsAtFailure = calls;
        return out.map(() => Number.NaN);
      }
      return out;
    };
    const job = new EnhancementEngine(onDevice(registry, 'cuda', failing)).enhanceSeries([scene(40), scene(60), scene(80), scene(100)], preset);
    await expect(job).rejects.toBeInstanceOf(ModelContractError);
    // the second lane stopped at its next step instead of sampling the remaining groups
    expect(calls - callsAtFailure).toBeLessThanOrEqual(1);
  });

  it('cancels both groups', async () => {
    const ctl = new AbortController();
    const job = new EnhancementEngine(onDevice(registry, 'cuda', (p) => p)).enhanceSeries([scene(40), scene(60), scene(80)], preset, {
      signal: ctl.signal,
      onProgress: () => ctl.abort(),
    });
    await expect(job).rejects.toBeInstanceOf(CancelledError);
  });
});
