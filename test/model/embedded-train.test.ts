import { describe, expect, it } from 'vitest';
import { requireTorch, runPython } from './python-torch.js';

// The embedded prior's training plumbing (model/embedded/train.py, checkpoint_parts.py, corpus.py pack),
// checked without the corpus: test/model/embedded_train_check.py.
describe('embedded prior training plumbing', () => {
  it('makes the same batches ahead in workers, brings checkpoints back in parts, refuses a foreign pack, starts from an exported prior', () => {
    requireTorch();
    const r = JSON.parse(runPython(['test/model/embedded_train_check.py'], 240_000)) as Record<string, unknown>;
    expect(r).toMatchObject({
      workersEqualInline: true,
      resizedRequestMadeAgain: true,
      stepsDiffer: true,
      joinedWeightsEqual: true,
      joinedHasNoOptimizer: true,
      joinedPhases: true,
      foreignPackRefused: true,
      onnxWeightsLoadBack: true,
      defaultDrawUnchanged: true,
    });
    // 70 % drawn below 300, and 30 % of the uniform rest: 0.7 + 0.3 · 0.3 = 0.79.
    expect(r.lowTShare as number).toBeGreaterThan(0.75);
    expect(r.lowTShare as number).toBeLessThan(0.83);
    expect(r.largestPart as number).toBeLessThan(15 * 2 ** 20);
  }, 300_000);
});
