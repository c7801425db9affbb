import { describe, expect, it, vi } from 'vitest';
import { KeyedRounds, type StartedRound } from './keyed-rounds.js';
import { silentLogger } from './log.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Work per key as a queue of item counts; a round claims up to `limit` items. */
function queues(due: Record<string, number>, limit = 10) {
  const rounds: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred>>();
  const startRound = (key: string): StartedRound | undefined => {
    const n = Math.min(due[key] ?? 0, limit);
    if (n === 0) return undefined;
    due[key]! -= n;
    rounds.push(key);
    const gate = gates.get(key);
    return { count: n, done: gate ? gate.promise : Promise.resolve(), full: n === limit };
  };
  return { rounds, gates, startRound };
}

describe('KeyedRounds', () => {
  it('gives every key with due work a round and counts what it started', async () => {
    const q = queues({ a: 3, b: 0, c: 2 });
    const loop = new KeyedRounds({ keys: () => ['a', 'b', 'c'], startRound: q.startRound, pollMs: 60_000, log: silentLogger, what: 'test round' });
    expect(await loop.runOnce()).toBe(5);
    expect(q.rounds).toEqual(['a', 'c']);
    expect(await loop.runOnce()).toBe(0);
  });

  it('skips a key whose round is still going while the other keys go on', async () => {
    const q = queues({ slow: 5, fast: 30 }, 5);
    const slowGate = deferred();
    q.gates.set('slow', slowGate);
    const loop = new KeyedRounds({ keys: () => ['slow', 'fast'], startRound: q.startRound, pollMs: 60_000, log: silentLogger, what: 'test round' });
    const first = loop.runOnce();
    expect(q.rounds).toEqual(['slow', 'fast']);
    await new Promise((r) => setTimeout(r, 0));
    expect(await loop.runOnce()).toBe(5);
    expect(q.rounds).toEqual(['slow', 'fast', 'fast']);
    slowGate.resolve();
    expect(await first).toBe(10);
  });

  it('starts the next round at once after a full one, and stops polling on stop', async () => {
    const q = queues({ a: 25 }, 10);
    const loop = new KeyedRounds({ keys: () => ['a'], startRound: q.startRound, pollMs: 60_000, log: silentLogger, what: 'test round' });
    loop.start();
    await vi.waitFor(() => expect(q.rounds).toHaveLength(3));
    await loop.stop();
    expect(loop.running).toBe(false);
  });

  it('polls again after pollMs, and logs a round that throws without ending the loop', async () => {
    const errors: string[] = [];
    const log = { ...silentLogger, error: (_: unknown, msg: string) => void errors.push(msg) } as typeof silentLogger;
    let calls = 0;
    const loop = new KeyedRounds({
      keys: () => ['a'],
      startRound: () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
        return undefined;
      },
      pollMs: 10,
      log,
      what: 'test round',
    });
    loop.start();
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(3));
    await loop.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(after);
    expect(errors).toEqual(['test round failed']);
  });

  it('waits on stop for the rounds in progress', async () => {
    const q = queues({ a: 1 });
    const gate = deferred();
    q.gates.set('a', gate);
    const loop = new KeyedRounds({ keys: () => ['a'], startRound: q.startRound, pollMs: 60_000, log: silentLogger, what: 'test round' });
    loop.start();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
  });
});
