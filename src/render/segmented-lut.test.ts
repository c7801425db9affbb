import { describe, expect, it } from 'vitest';
import { expandSegmentedLut } from './segmented-lut.js';

describe('expandSegmentedLut (PS3.3 C.7.9.2)', () => {
  it('discrete segments copy their values', () => {
    expect(expandSegmentedLut([0, 3, 10, 20, 30])).toEqual([10, 20, 30]);
  });

  it('a linear segment ramps from the previous value to its end value', () => {
    expect(expandSegmentedLut([0, 1, 0, 1, 4, 100])).toEqual([0, 25, 50, 75, 100]);
  });

  it('rounds linear steps half to even, like pydicom', () => {
    // 0 → 5 over 2 entries: 2.5 → 2, 5
    expect(expandSegmentedLut([0, 1, 0, 1, 2, 5])).toEqual([0, 2, 5]);
    // 0 → 7 over 2 entries: 3.5 → 4, 7
    expect(expandSegmentedLut([0, 1, 0, 1, 2, 7])).toEqual([0, 4, 7]);
  });

  it('an indirect segment replays earlier segments from a word offset (least significant word first)', () => {
    // discrete [5], linear to 9 over 2, then copy both segments starting at word 0
    expect(expandSegmentedLut([0, 1, 5, 1, 2, 9, 2, 2, 0, 0])).toEqual([5, 7, 9, 5, 7, 9]);
  });

  it('stops at the descriptor’s entry count', () => {
    expect(expandSegmentedLut([0, 4, 1, 2, 3, 4], 2)).toEqual([1, 2]);
  });

  it('refuses a leading linear or indirect segment and unknown opcodes', () => {
    expect(() => expandSegmentedLut([1, 2, 9])).toThrow(/linear segment cannot come first/);
    expect(() => expandSegmentedLut([2, 1, 0, 0])).toThrow(/indirect segment cannot come first/);
    expect(() => expandSegmentedLut([0, 1, 5, 7, 1])).toThrow(/unknown segment type 7/);
  });
});
