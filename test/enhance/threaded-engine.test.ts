/**
 * The engine on its own thread: byte for byte what the in-process engine gives, errors with their
 * classes, cancellation, a dead thread restarted, and the node's event loop left free while a
 * slice is sampled.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { ThreadedEngine } from '../../src/enhance/threaded-engine.js';
import { CancelledError, ModelContractError } from '../../src/shared/errors.js';
import { goldenImage } from './golden-inputs.js';

const REF = join(import.meta.dirname, '..', 'reference');
const MODELS = join(import.meta.dirname, '..', '..', 'model');
const preset: EnhancePreset = { ...DEFAULT_PRESET, model: 'tiny-eps', steps: 10, stepPlacement: 'respaced', startFromNoise: false, startStep: 300, noisyInputLevel: null };

describe('ThreadedEngine', () => {
  let threaded: ThreadedEngine;
  let registry: ModelRegistry;
  beforeAll(async () => {
    const opts = { modelsDir: REF, session: { intraOpThreads: 1 } };
    threaded = await ThreadedEngine.open(['tiny-eps', 'tiny-nan', 'no-such-model'], opts);
    registry = await ModelRegistry.open(['tiny-eps'], opts);
  });
  afterAll(async () => {
    await threaded.close();
    await registry.close();
  });

  it('reports the models it loaded and the ones it could not, without their sessions', () => {
    const eps = threaded.catalog.get('tiny-eps');
    expect(eps.sha256).toBe(registry.get('tiny-eps').sha256);
    expect(eps).not.toHaveProperty('session');
    expect(threaded.catalog.problems().get('no-such-model')).toMatch(/manifest/);
    expect(() => threaded.catalog.get('no-such-model')).toThrow(ModelContractError);
  });

  it('gives the in-process engine’s bytes, results and progress', async () => {
    const images = [goldenImage(300, 200), goldenImage(200, 180)];
    const steps: number[] = [];
    const there = await threaded.enhanceSeries(images, preset, { firstStream: 3, onProgress: (p) => steps.push(p.step) });
    const here = await new EnhancementEngine(registry).enhanceSeries(images, preset, { firstStream: 3 });
    expect(there).toHaveLength(2);
    there.forEach((r, i) => {
      expect(Buffer.from(r.image.data).equals(Buffer.from(here[i]!.image.data))).toBe(true);
      expect(r.applied).toEqual(here[i]!.applied);
      expect(r.quality).toEqual(here[i]!.quality);
    });
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.at(-1)).toBe(steps.reduce((a, b) => Math.max(a, b)));
  });

  it('rethrows the engine’s errors with their classes', async () => {
    await expect(threaded.enhance(goldenImage(64, 64), { ...preset, model: 'no-such-model' })).rejects.toBeInstanceOf(ModelContractError);
    await expect(threaded.enhance(goldenImage(64, 64), { ...preset, model: 'tiny-nan' })).rejects.toThrow(/model/);
  });

  it('stops on the caller’s signal with a CancelledError', async () => {
    const abort = new AbortController();
    const run = threaded.enhanceSeries([goldenImage(400, 400)], { ...preset, steps: 200, startStep: 999 }, {
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    // The thread is still usable afterwards.
    expect((await threaded.enhance(goldenImage(64, 64), preset)).image.width).toBe(64);
  });

  it('fails the requests of a thread that dies and starts a new one for the next request', async () => {
    const victim = await ThreadedEngine.open(['tiny-eps'], { modelsDir: REF, session: { intraOpThreads: 1 } });
    try {
      const run = victim.enhanceSeries([goldenImage(400, 400)], { ...preset, steps: 200, startStep: 999 });
      await new Promise((r) => setTimeout(r, 200));
      await (victim as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
      await expect(run).rejects.toThrow(/engine thread stopped/);
      expect((await victim.enhance(goldenImage(64, 64), preset)).image.width).toBe(64);
    } finally {
      await victim.close();
    }
  });
});

/** Longest wait of a 5 ms timer while `run` goes on (the loop's worst stall), and the run's wall time. */
async function worstTimerLagMs(run: () => Promise<unknown>): Promise<{ maxMs: number; wallMs: number }> {
  let last = performance.now();
  let maxMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxMs = Math.max(maxMs, now - last - 5);
    last = now;
  }, 5);
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // let a stalled timer record its wait
  clearInterval(ticker);
  return { maxMs, wallMs };
}

describe('ThreadedEngine with the shipped prior', () => {
  it('keeps the event loop free while a slice is sampled (the in-process engine holds it)', async () => {
    const image = goldenImage(256, 256);
    const shipped: EnhancePreset = { ...DEFAULT_PRESET, model: 'embedded' };
    const threaded = await ThreadedEngine.open(['embedded'], { modelsDir: MODELS });
    const registry = await ModelRegistry.open(['embedded'], { modelsDir: MODELS });
    try {
      const away = await worstTimerLagMs(() => threaded.enhance(image, shipped));
      const inside = await worstTimerLagMs(() => new EnhancementEngine(registry).enhance(image, shipped));
      // In process the loop waits for model calls and the sampler's arithmetic.
      expect(inside.maxMs).toBeGreaterThan(inside.wallMs / 10);
      // On the thread it never waits for them: its worst stall is a small fraction of either.
      expect(away.maxMs).toBeLessThan(Math.min(inside.maxMs / 4, away.wallMs / 10));
    } finally {
      await threaded.close();
      await registry.close();
    }
  });
});
