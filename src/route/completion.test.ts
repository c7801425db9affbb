import { describe, expect, it } from 'vitest';
import { CompletionTracker, completionKey, type CompletionSubject } from './completion.js';

const S = 1000;
const series = (uid: string, over: Partial<CompletionSubject> = {}): CompletionSubject => ({
  uid,
  scope: 'series',
  ruleName: 'ct',
  quietSeconds: 10,
  lateArrival: 'supersede',
  ...over,
});

describe('CompletionTracker', () => {
  it('a series is due once its quiet period has passed since the last arrival', () => {
    const t = new CompletionTracker();
    expect(t.arrive(series('1.2.3'), 0).kind).toBe('opened');
    expect(t.arrive(series('1.2.3'), 4 * S).kind).toBe('extended');
    expect(t.due(13 * S)).toEqual([]);
    expect(t.nextDueAt()).toBe(14 * S);
    const [job, ...rest] = t.due(14 * S);
    expect(rest).toEqual([]);
    expect(job).toEqual({ key: 'ct|series|1.2.3', uid: '1.2.3', scope: 'series', ruleName: 'ct', firstAt: 0, lastAt: 4 * S, generation: 1, arrivals: 2, quietSeconds: 10 });
    expect(t.due(100 * S)).toEqual([]);
    expect(t.nextDueAt()).toBeUndefined();
  });

  it('gaps shorter than the quiet period give one job, longer gaps give one per burst', () => {
    const t = new CompletionTracker();
    const jobs = [];
    // three associations 5 s apart: one job
    for (const at of [0, 5, 10]) {
      t.arrive(series('A'), at * S);
      jobs.push(...t.due(at * S));
    }
    jobs.push(...t.due(20 * S));
    expect(jobs.map((j) => j.generation)).toEqual([1]);
    // then three bursts 30 s apart: each is a late arrival after completion → new generations
    for (const at of [50, 80, 110]) {
      t.arrive(series('A'), at * S);
      jobs.push(...t.due((at + 10) * S));
    }
    expect(jobs.map((j) => j.generation)).toEqual([1, 2, 3, 4]);
  });

  it('a late arrival after completion opens a new generation that supersedes the old one', () => {
    const t = new CompletionTracker();
    t.arrive(series('B'), 0);
    t.due(10 * S);
    const late = t.arrive(series('B'), 60 * S);
    expect(late).toMatchObject({ kind: 'reopened', supersedes: 1, job: { generation: 2, firstAt: 60 * S, lastAt: 60 * S, arrivals: 1 } });
    expect(t.due(70 * S).map((j) => [j.key, j.generation])).toEqual([['ct|series|B', 2]]);
    expect(t.completedGeneration('ct|series|B')).toBe(2);
  });

  it('lateArrival: ignore keeps the completed generation and opens nothing', () => {
    const t = new CompletionTracker();
    const s = series('C', { lateArrival: 'ignore' });
    t.arrive(s, 0);
    t.due(10 * S);
    expect(t.arrive(s, 20 * S)).toEqual({ kind: 'ignored', key: 'ct|series|C', completedGeneration: 1 });
    expect(t.pending()).toEqual([]);
    expect(t.due(1000 * S)).toEqual([]);
  });

  it('tracks series, studies and rules as separate keys, each with its own quiet period', () => {
    const t = new CompletionTracker();
    t.arrive(series('S1'), 0);
    t.arrive(series('S2', { quietSeconds: 2 }), 0);
    t.arrive(series('ST', { scope: 'study', quietSeconds: 30 }), 0);
    t.arrive(series('S1', { ruleName: 'archive', quietSeconds: 5 }), 0);
    expect(t.nextDueAt()).toBe(2 * S);
    expect(t.due(5 * S).map((j) => j.key)).toEqual(['archive|series|S1', 'ct|series|S2'].sort());
    expect(t.due(10 * S).map((j) => j.key)).toEqual(['ct|series|S1']);
    expect(t.pending().map((j) => j.key)).toEqual(['ct|study|ST']);
    expect(t.due(30 * S).map((j) => j.key)).toEqual(['ct|study|ST']);
  });

  it('orders due jobs by last arrival and tolerates out-of-order times', () => {
    const t = new CompletionTracker();
    t.arrive(series('late'), 5 * S);
    t.arrive(series('early'), 1 * S);
    t.arrive(series('late'), 2 * S);
    const due = t.due(60 * S);
    expect(due.map((j) => j.uid)).toEqual(['early', 'late']);
    expect(due[1]).toMatchObject({ firstAt: 2 * S, lastAt: 5 * S, arrivals: 2 });
  });

  it('forced completion ends collection at once', () => {
    const t = new CompletionTracker();
    t.arrive(series('F'), 0);
    expect(t.complete('ct|series|F', 1 * S)).toMatchObject({ generation: 1 });
    expect(t.complete('ct|series|F', 1 * S)).toBeUndefined();
    expect(t.arrive(series('F'), 2 * S)).toMatchObject({ kind: 'reopened', supersedes: 1 });
  });

  it('restores state after a restart and forgets completed keys after the retention time', () => {
    const t = new CompletionTracker({ retainCompletedSeconds: 60 });
    const key = completionKey({ ruleName: 'ct', scope: 'series', uid: 'R' });
    t.restore({ key, uid: 'R', scope: 'series', ruleName: 'ct', firstAt: 0, lastAt: 0, generation: 3, arrivals: 5, quietSeconds: 10 }, 'completed', 0);
    expect(t.arrive(series('R'), 1 * S)).toMatchObject({ kind: 'reopened', supersedes: 3, job: { generation: 4 } });
    t.due(11 * S);
    t.due(100 * S); // 89 s after completion > 60 s retention
    expect(t.completedGeneration(key)).toBeUndefined();
    expect(t.arrive(series('R'), 101 * S)).toMatchObject({ kind: 'opened', job: { generation: 1 } });

    const open = new CompletionTracker();
    open.restore({ key, uid: 'R', scope: 'series', ruleName: 'ct', firstAt: 0, lastAt: 3 * S, generation: 2, arrivals: 4, quietSeconds: 10 }, 'open');
    expect(open.nextDueAt()).toBe(13 * S);
    expect(open.arrive(series('R'), 5 * S)).toMatchObject({ kind: 'extended', job: { generation: 2, arrivals: 5 } });
  });

  it('a quiet period of zero completes at the next check', () => {
    const t = new CompletionTracker();
    t.arrive(series('Z', { quietSeconds: 0 }), 7 * S);
    expect(t.due(7 * S).map((j) => j.uid)).toEqual(['Z']);
  });
});
