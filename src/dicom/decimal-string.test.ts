import { describe, expect, it } from 'vitest';
import { ConformanceError } from '../shared/errors.js';
import { decimalString } from './decimal-string.js';

/** The DS grammar of PS3.5 Table 6.2-1. */
const DS_GRAMMAR = /^[ ]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ ]*$/;

/** Deterministic xorshift32 in [0, 1): the property checks see the same values on every run. */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Values from 1e-320 to 1e308, both signs, with random mantissas, plus the edges of the double range. */
function sampleValues(count: number): number[] {
  const next = uniform(0x5eed);
  const values = [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, Number.EPSILON, 2 ** 53 + 2];
  for (let i = 0; i < count; i++) {
    const exponent = Math.floor(next() * 628) - 320;
    const v = (1 + next() * 9) * 10 ** exponent;
    values.push(next() < 0.5 ? -v : v);
  }
  return values;
}

describe('decimalString', () => {
  it('writes integers and short decimals as JavaScript would', () => {
    expect(decimalString(0)).toBe('0');
    expect(decimalString(-0)).toBe('0');
    expect(decimalString(1)).toBe('1');
    expect(decimalString(-40)).toBe('-40');
    expect(decimalString(0.7)).toBe('0.7');
    expect(decimalString(-1024.5)).toBe('-1024.5');
    expect(decimalString(1234567890123456)).toBe('1234567890123456');
  });

  it('drops the binary noise of a computed value', () => {
    expect(decimalString(0.1 + 0.2)).toBe('0.3');
    expect(decimalString(358.4 / 512)).toBe('0.7');
    expect(decimalString(-123.456 - 1e-14)).toBe('-123.456');
  });

  it('keeps as many significant digits as fit in 16 characters', () => {
    expect(decimalString(1 / 3)).toBe('0.33333333333333');
    expect(decimalString(-1 / 3)).toBe('-0.3333333333333');
    expect(decimalString(12.345678901234567)).toBe('12.3456789012346');
    expect(decimalString(-999999.1234567891)).toBe('-999999.12345679');
  });

  it('switches to exponent form where it keeps more digits', () => {
    expect(decimalString(2e-11 / 3)).toBe('6.6666666667e-12');
    expect(decimalString(123456789012345680)).toBe('1.23456789012e17');
    expect(decimalString(1e200 / 3)).toBe('3.3333333333e199');
    expect(decimalString(0.000123456789012345)).toBe('1.23456789012e-4');
  });

  it('keeps the exponent form JavaScript chooses when it already fits', () => {
    expect(decimalString(1e21)).toBe('1e+21');
    expect(decimalString(1.5e-7)).toBe('1.5e-7');
    expect(decimalString(Number.MIN_VALUE)).toBe('5e-324');
    expect(decimalString(-Number.MIN_VALUE)).toBe('-5e-324');
  });

  it('cuts the digits off next to the largest double instead of rounding up to Infinity', () => {
    expect(decimalString(Number.MAX_VALUE)).toBe('1.7976931348e308');
    expect(decimalString(-Number.MAX_VALUE)).toBe('-1.797693134e308');
  });

  it('refuses NaN and infinities', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => decimalString(v)).toThrow(ConformanceError);
      expect(() => decimalString(v)).toThrow(/finite/);
    }
  });

  it('always matches the DS grammar within 16 characters', () => {
    for (const v of sampleValues(20_000)) {
      const s = decimalString(v);
      expect(s.length, `${v} → ${s}`).toBeLessThanOrEqual(16);
      expect(s, `${v}`).toMatch(DS_GRAMMAR);
    }
  });

  it('reads back as the same number when 16 characters hold its shortest form', () => {
    const next = uniform(42);
    for (let i = 0; i < 5000; i++) {
      const v = Math.round((next() - 0.5) * 1e6) / 1000; // millimetres with three decimals
      expect(Number(decimalString(v))).toBe(v);
    }
  });

  it('reads back within the precision 16 characters allow', () => {
    for (const v of sampleValues(20_000)) {
      const back = Number(decimalString(v));
      // Worst case: sign, 3-digit negative exponent (`-d.dddddddde-123`) leaves 9 significant digits.
      const tolerance = Math.abs(v) < 1e-99 || Math.abs(v) >= 1e100 ? 5e-9 : 5e-10;
      expect(Math.abs(back - v) / Math.abs(v), `${v} → ${decimalString(v)}`).toBeLessThanOrEqual(tolerance);
    }
  });

  it('keeps at least 11 significant digits between 1e-3 and 1e6 (positions, spacings, windows)', () => {
    const next = uniform(7);
    for (let i = 0; i < 5000; i++) {
      const v = (next() < 0.5 ? -1 : 1) * 10 ** (next() * 9 - 3);
      const back = Number(decimalString(v));
      expect(Math.abs(back - v) / Math.abs(v), `${v} → ${decimalString(v)}`).toBeLessThanOrEqual(5e-11);
    }
  });
});
