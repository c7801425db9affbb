import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from './model-manifest.js';
import { cudaFallbackReason, fromFloat16Bits, GRAPH_CACHE_SIZE, openGraphs, openModelSession, toFloat16Bits } from './onnx-session.js';
import { buildStepGraph } from './graphs/step-graph.js';
import { patchCorners } from './tiling.js';
import { ModelRegistry } from './model-registry.js';

describe('onnx session', () => {
  it('converts float32 ↔ float16 with round-to-nearest-even, subnormals, ±Inf and NaN', () => {
    const src = Float32Array.from([0, -0, 1, -2.5, 0.1, 65504, 70000, 1e-7, 6.1e-5, Number.NaN, Number.NEGATIVE_INFINITY]);
    const bits = toFloat16Bits(src);
    expect(bits[2]).toBe(0x3c00);
    expect(bits[5]).toBe(0x7bff);
    expect(bits[6]).toBe(0x7c00);
    const back = fromFloat16Bits(bits);
    expect(back[1]).toBe(-0);
    expect(back[3]).toBe(-2.5);
    expect(Math.abs(back[4]! - 0.1)).toBeLessThan(1e-4);
    expect(back[6]).toBe(Number.POSITIVE_INFINITY);
    expect(Math.abs(back[7]! - 1e-7)).toBeLessThan(6e-8);
    expect(Math.abs(back[8]! - 6.1e-5)).toBeLessThan(1e-7);
    expect(Number.isNaN(back[9]!)).toBe(true);
    expect(back[10]).toBe(Number.NEGATIVE_INFINITY);
    const grid = new Float32Array(4096).map((_, i) => (i - 2048) / 512);
    const rt = fromFloat16Bits(toFloat16Bits(grid));
    grid.forEach((v, i) => expect(rt[i]).toBe(v)); // exactly representable in half
  });

  it('runs a batch with dynamic size and returns [n, C, h, w]', async () => {
    const REF = join(import.meta.dirname, '..', '..', 'test', 'reference');
    const s = await openModelSession(await loadManifest(join(REF, 'tiny-epsvar', 'manifest.yaml')), { intraOpThreads: 1 });
    try {
      expect(s.outputChannels).toBe(6);
      const out = await s.predict(new Float32Array(2 * 3 * 16 * 24).fill(0.5), 2, 16, 24, [3, 900]);
      expect(out.length).toBe(2 * 6 * 16 * 24);
      expect(out[0]).not.toBe(out[6 * 16 * 24]); // different timesteps give different outputs
    } finally {
      await s.release();
    }
  });

  it('a CUDA request without the provider libraries runs on the CPU and says why', async () => {
    const REF = join(import.meta.dirname, '..', '..', 'test', 'reference');
    const s = await openModelSession(await loadManifest(join(REF, 'tiny-eps', 'manifest.yaml')), { intraOpThreads: 1, device: 'cuda' });
    try {
      // This project's CI machines have no GPU and no CUDA provider library next to the binding.
      expect(s.requestedDevice).toBe('cuda');
      expect(s.device).toBe('cpu');
      expect(s.fallbackReason).toMatch(/^CUDA requested, running on CPU: /);
      expect(s.fallbackReason).toMatch(/libonnxruntime_providers_(shared|cuda)\.so is not installed \(run scripts\/gpu\/assemble-cuda-provider\.sh\)/);
      const out = await s.predict(new Float32Array(3 * 16 * 16), 1, 16, 16, [10]);
      expect(out.length).toBe(3 * 16 * 16);
    } finally {
      await s.release();
    }
  });

  it('the registry takes the device per model and reports the fallback', async () => {
    const REF = join(import.meta.dirname, '..', '..', 'test', 'reference');
    const reg = await ModelRegistry.open(['tiny-eps'], { modelsDir: REF, devices: { 'tiny-eps': 'cuda' }, session: { intraOpThreads: 1 } });
    try {
      const m = reg.get('tiny-eps');
      expect(m.device).toBe('cpu');
      expect(m.fallbackReason).toMatch(/CUDA requested/);
    } finally {
      await reg.close();
    }
  });

  it('explains the usual reasons a CUDA session cannot start', () => {
    const colour = '\u001b[1;31m';
    expect(cudaFallbackReason(`Failed to load shared library${colour} Failed to load library /x/libonnxruntime_providers_cuda.so with error: nope`)).toBe(
      'CUDA requested, running on CPU: the CUDA execution provider library /x/libonnxruntime_providers_cuda.so is not installed (run scripts/gpu/assemble-cuda-provider.sh)',
    );
    expect(cudaFallbackReason('libcublasLt.so.13: cannot open shared object file: No such file or directory')).toBe(
      'CUDA requested, running on CPU: libcublasLt.so.13 not found (put CUDA and cuDNN on LD_LIBRARY_PATH)',
    );
    expect(cudaFallbackReason('CUDA failure 100: no CUDA-capable device is detected')).toMatch(/no usable GPU/);
    expect(cudaFallbackReason('something else\n  entirely')).toBe('CUDA requested, running on CPU: something else entirely');
  });

  it('keeps the most recently opened graphs and rebuilds one dropped from the cache', async () => {
    const graphs = openGraphs('cpu', 1);
    let builds = 0;
    const build = () => {
      builds++;
      const g = { height: 16, width: 16, patch: 16, corners: patchCorners(16, 16, 16, 16), outputChannels: 3 as const };
      return buildStepGraph({ ...g, learnedVariance: false, clampX0: true, guidanceTarget: 'x0', residualSigma: 0 });
    };
    try {
      await graphs.open('first', build);
      for (let i = 0; i < GRAPH_CACHE_SIZE - 1; i++) await graphs.open(`other ${i}`, build);
      await graphs.open('first', build); // still cached, now the most recent
      expect(builds).toBe(GRAPH_CACHE_SIZE);
      await graphs.open('one more', build); // drops "other 0"
      await graphs.open('first', build);
      expect(builds).toBe(GRAPH_CACHE_SIZE + 1);
      await graphs.open('other 0', build);
      expect(builds).toBe(GRAPH_CACHE_SIZE + 2);
    } finally {
      await graphs.release();
    }
  });
});
