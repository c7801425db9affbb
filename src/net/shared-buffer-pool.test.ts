import { describe, expect, it } from 'vitest';
import { SharedBufferPool } from './shared-buffer-pool.js';

describe('SharedBufferPool', () => {
  it('hands out shared memory of at least the size asked for, and reuses what was given back', () => {
    const pool = new SharedBufferPool();
    const a = pool.acquire(1000);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.length).toBe(1000);
    pool.release(a);
    const b = pool.acquire(600);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(1000);
    expect(pool.acquire(2000).buffer).not.toBe(a.buffer);
  });

  it('picks the smallest free buffer that fits, and keeps at most maxFree, dropping the smallest', () => {
    const pool = new SharedBufferPool(2);
    const [small, mid, big] = [pool.acquire(100), pool.acquire(500), pool.acquire(900)];
    for (const b of [small, mid, big]) pool.release(b);
    expect(pool.size).toBe(2);
    expect(pool.acquire(50).buffer).toBe(mid.buffer);
    expect(pool.acquire(50).buffer).toBe(big.buffer);
    expect(pool.size).toBe(0);
  });

  it('ignores a buffer given back twice or one not on shared memory', () => {
    const pool = new SharedBufferPool();
    const a = pool.acquire(10);
    pool.release(a);
    pool.release(a);
    pool.release(Buffer.alloc(10));
    expect(pool.size).toBe(1);
  });
});
