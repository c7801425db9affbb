import { describe, expect, it } from 'vitest';
import { evenCallSizes, splitBySizes } from './call-sizes.js';

describe('evenCallSizes', () => {
  it('uses the fewest calls and spreads the items evenly', () => {
    expect(evenCallSizes(18, 16)).toEqual([9, 9]);
    expect(evenCallSizes(9, 16)).toEqual([9]);
    expect(evenCallSizes(9, 5)).toEqual([5, 4]);
    expect(evenCallSizes(49, 16)).toEqual([13, 12, 12, 12]);
    expect(evenCallSizes(32, 16)).toEqual([16, 16]);
    expect(evenCallSizes(1, 1)).toEqual([1]);
    expect(evenCallSizes(0, 4)).toEqual([]);
  });

  it('never exceeds the batch size and always sums to n', () => {
    for (let n = 1; n <= 70; n++) {
      for (let b = 1; b <= 33; b++) {
        const s = evenCallSizes(n, b);
        expect(s.reduce((a, x) => a + x, 0)).toBe(n);
        expect(Math.max(...s)).toBeLessThanOrEqual(b);
        expect(s.length).toBe(Math.ceil(n / b));
        expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses nonsense', () => {
    expect(() => evenCallSizes(3, 0)).toThrow(RangeError);
    expect(() => evenCallSizes(-1, 4)).toThrow(RangeError);
  });
});

describe('splitBySizes', () => {
  it('cuts consecutive runs and checks the total', () => {
    expect(splitBySizes([1, 2, 3, 4, 5], [3, 2])).toEqual([[1, 2, 3], [4, 5]]);
    expect(() => splitBySizes([1, 2, 3], [2])).toThrow(RangeError);
  });
});
