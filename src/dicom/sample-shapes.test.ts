import { describe, expect, it } from 'vitest';
import { ellipse, segmentDistance, zScale } from './sample-shapes.js';

describe('sample shapes', () => {
  it('ellipse: 1 on the boundary, rotation turns the axes', () => {
    expect(ellipse(10, 0, 0, 0, 10, 5)).toBeCloseTo(1, 12);
    expect(ellipse(0, 5, 0, 0, 10, 5)).toBeCloseTo(1, 12);
    expect(ellipse(0, 10, 0, 0, 10, 5, 90)).toBeCloseTo(1, 12);
    expect(ellipse(3, 4, 3, 4, 1, 1)).toBe(0);
    expect(ellipse(0, 5.1, 0, 0, 10, 5)).toBeGreaterThan(1);
  });

  it('zScale: 1 at the centre, 0 at and beyond the ends', () => {
    expect(zScale(5, 5, 10)).toBe(1);
    expect(zScale(11, 5, 6)).toBe(0);
    expect(zScale(-20, 5, 6)).toBe(0);
    expect(zScale(8, 5, 6)).toBeCloseTo(Math.sqrt(0.75), 12);
  });

  it('segmentDistance: perpendicular inside the segment, to the end beyond it', () => {
    expect(segmentDistance([5, 3, 0], [0, 0, 0], [10, 0, 0])).toBeCloseTo(3, 12);
    expect(segmentDistance([13, 4, 0], [0, 0, 0], [10, 0, 0])).toBeCloseTo(5, 12);
    expect(segmentDistance([1, 1, 1], [0, 0, 0], [0, 0, 0])).toBeCloseTo(Math.sqrt(3), 12);
  });
});
