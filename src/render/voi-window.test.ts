import { describe, expect, it } from 'vitest';
import { applyWindow, voiValue } from './voi-window.js';

// Expected values computed by hand from the PS3.3 C.11.2.1.2.1 / C.11.2.1.3 equations with
// y_min = 0, y_max = 255, then rounded.
describe('voiValue', () => {
  it('LINEAR (c=40, w=400) follows C.11.2.1.2.1', () => {
    expect(voiValue(-160, 40, 400)).toBe(0); // x <= c - 0.5 - (w-1)/2 = -160
    expect(voiValue(-159, 40, 400)).toBeCloseTo(0.6391, 3); // ((-159-39.5)/399 + 0.5)·255
    expect(voiValue(40, 40, 400)).toBeCloseTo(127.8195, 3); // (0.5/399 + 0.5)·255
    expect(voiValue(100, 40, 400)).toBeCloseTo(166.1654, 3);
    expect(voiValue(239, 40, 400)).toBeCloseTo(255, 6); // at the upper threshold, not above it
    expect(voiValue(239.01, 40, 400)).toBe(255);
  });

  it('LINEAR with width 1 is a threshold at c - 0.5', () => {
    expect(voiValue(-1, 0, 1)).toBe(0);
    expect(voiValue(-0.5, 0, 1)).toBe(0);
    expect(voiValue(0, 0, 1)).toBe(255);
  });

  it('LINEAR_EXACT (c=40, w=400) follows C.11.2.1.3.2', () => {
    expect(voiValue(-160, 40, 400, 'LINEAR_EXACT')).toBe(0);
    expect(voiValue(40, 40, 400, 'LINEAR_EXACT')).toBe(127.5);
    expect(voiValue(140, 40, 400, 'LINEAR_EXACT')).toBe(191.25); // (100/400 + 0.5)·255
    expect(voiValue(240, 40, 400, 'LINEAR_EXACT')).toBe(255);
    expect(voiValue(241, 40, 400, 'LINEAR_EXACT')).toBe(255);
  });

  it('SIGMOID (c=40, w=400) follows C.11.2.1.3.1', () => {
    expect(voiValue(40, 40, 400, 'SIGMOID')).toBe(127.5);
    expect(voiValue(140, 40, 400, 'SIGMOID')).toBeCloseTo(186.4199, 3); // 255/(1+e^-1)
    expect(voiValue(-60, 40, 400, 'SIGMOID')).toBeCloseTo(68.5801, 3); // 255/(1+e^1)
  });
});

describe('applyWindow', () => {
  const soft = { name: 'soft-tissue', center: 40, width: 400 };

  it('rounds to 8 bits and leaves NaN (padding) black', () => {
    expect(Array.from(applyWindow([-1000, 40, 100, NaN, 3000], soft))).toEqual([0, 128, 166, 0, 255]);
  });

  it('inverts MONOCHROME1 after the VOI stage, padding still black', () => {
    expect(Array.from(applyWindow([-1000, 100, NaN, 3000], soft, true))).toEqual([255, 89, 0, 0]);
  });

  it('uses the requested VOI LUT function', () => {
    expect(Array.from(applyWindow([140, -60], { ...soft, voiLutFunction: 'SIGMOID' }))).toEqual([186, 69]);
  });

  it('refuses a non-positive width', () => {
    expect(() => applyWindow([0], { name: 'x', center: 0, width: 0 })).toThrow(RangeError);
  });
});
