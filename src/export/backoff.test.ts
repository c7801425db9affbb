import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const p = { initialMs: 1000, maxMs: 60_000 };

  it('doubles from the initial delay', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('is capped at maxMs, also for huge attempt counts', () => {
    expect(backoffDelay(7, p)).toBe(60_000);
    expect(backoffDelay(10_000, p)).toBe(60_000);
  });

  it('honours another factor', () => {
    expect(backoffDelay(3, { ...p, factor: 3 })).toBe(9000);
  });

  it('treats attempt < 1 as the first retry', () => {
    expect(backoffDelay(0, p)).toBe(1000);
    expect(backoffDelay(Number.NaN, p)).toBe(1000);
  });

  it('full jitter spreads uniformly in [0, delay]', () => {
    expect(backoffDelay(3, { ...p, jitter: 'full' }, () => 0)).toBe(0);
    expect(backoffDelay(3, { ...p, jitter: 'full' }, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, { ...p, jitter: 'full' }, () => 0.999999)).toBe(4000);
  });

  it('equal jitter keeps at least half the delay', () => {
    expect(backoffDelay(3, { ...p, jitter: 'equal' }, () => 0)).toBe(2000);
    expect(backoffDelay(3, { ...p, jitter: 'equal' }, () => 1)).toBe(4000);
  });

  it('a cap below the initial delay means the initial delay', () => {
    expect(backoffDelay(5, { initialMs: 500, maxMs: 100 })).toBe(500);
  });
});
