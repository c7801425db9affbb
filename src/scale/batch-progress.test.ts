import { describe, expect, it } from 'vitest';
import { BatchProgress } from './batch-progress.js';

describe('BatchProgress', () => {
  it('adds up the jobs heard from and counts the others at the preset steps per slice', () => {
    const p = new BatchProgress([{ id: 'b.0', slices: 2 }, { id: 'b.1', slices: 1 }], 10);
    expect(p.report('b.0', 4, 12)).toEqual({ done: 4, total: 12 + 10 });
    expect(p.report('b.1', 3, 6)).toEqual({ done: 7, total: 18 });
    expect(p.report('b.0', 12, 12)).toEqual({ done: 15, total: 18 });
  });

  it('never counts more steps done than a job has', () => {
    const p = new BatchProgress([{ id: 'b.0', slices: 1 }], 5);
    expect(p.report('b.0', 9, 5)).toEqual({ done: 5, total: 5 });
  });
});
