import { describe, expect, it } from 'vitest';
import { FreeSpaceEstimate } from './free-space-estimate.js';

describe('FreeSpaceEstimate', () => {
  it('reads once per period and counts what was taken in meanwhile', async () => {
    let t = 0;
    let reads = 0;
    const est = new FreeSpaceEstimate(async () => ({ freeBytes: 1000 - 100 * reads++ }), 1000, () => t);
    expect(await est.freeBytes()).toBe(1000);
    est.take(300);
    t = 999;
    expect(await est.freeBytes()).toBe(700);
    expect(reads).toBe(1);
    t = 1001;
    expect(await est.freeBytes()).toBe(900);
    expect(reads).toBe(2);
  });
});
