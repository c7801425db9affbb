import { describe, expect, it } from 'vitest';
import { requireTorch, runPython } from './python-torch.js';

// The embedded prior's training plumbing (model/embedded/train.py, checkpoint_parts.py, corpus.py pack),
// checked without the corpus: test/model/embedded_train_check.py.
describe('embedded prior training plumbing', () => {
  it('makes the same batches ahead in workers, brings checkpoints back in parts, refuses a foreign pack', () => {
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
    });
    expect(r.largestPart as number).toBeLessThan(15 * 2 ** 20);
  }, 300_000);
});
