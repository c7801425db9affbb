import { ConformanceError } from '../shared/errors.js';

/** A DS value holds at most 16 characters (PS3.5 6.2, Table 6.2-1). */
const DS_MAX_LENGTH = 16;

/** A double needs at most 17 significant digits to come back unchanged. */
const MAX_SIGNIFICANT_DIGITS = 17;

/**
 * A number as a Decimal String (DS) value (PS3.5 6.2): the shortest text that reads back as the
 * same number when that fits in 16 characters, else the number rounded to as many significant
 * digits as fit, written in fixed or exponent form, whichever keeps more of them (`0.33333333333333`,
 * `1.23456789012e17`, `6.6666666667e-11`). `-0` is written `0`. NaN and ±Infinity have no DS form
 * and are refused.
 */
export function decimalString(v: number): string {
  if (!Number.isFinite(v)) {
    throw new ConformanceError('PACS_E_DS_NOT_FINITE', `a Decimal String (DS) value must be a finite number, got ${v}`);
  }
  const shortest = String(v);
  if (shortest.length <= DS_MAX_LENGTH) return shortest;
  // One significant digit always fits (`-5e-324` is 7 characters), so the loop ends.
  let digits = MAX_SIGNIFICANT_DIGITS;
  let fitting: string[] = [];
  while (fitting.length === 0) fitting = renderings(v, --digits).filter((s) => s.length <= DS_MAX_LENGTH);
  return fitting.reduce((a, b) => (b.length < a.length ? b : a));
}

/** `v` rounded to `digits` significant digits, trailing zeros dropped, in fixed and in exponent form. */
function renderings(v: number, digits: number): [fixed: string, exponent: string] {
  const rounded = Math.abs(v).toExponential(digits - 1);
  // Rounding up next to Number.MAX_VALUE would read back as Infinity: cut the digits off instead.
  const [mantissa, exp] = (Number.isFinite(Number(rounded)) ? rounded : truncated(v, digits)).split('e');
  // A non-zero value's significand starts with 1…9, so stripping zeros leaves at least one digit.
  const significand = mantissa!.replace('.', '').replace(/0+$/, '');
  const e = Number(exp);
  const sign = v < 0 ? '-' : '';
  return [sign + fixedForm(significand, e), sign + exponentForm(significand, e)];
}

/** `v` cut (not rounded) to `digits` significant digits, as `toExponential` writes it. */
function truncated(v: number, digits: number): string {
  const [mantissa, exp] = Math.abs(v).toExponential(MAX_SIGNIFICANT_DIGITS - 1).split('e');
  const kept = mantissa!.replace('.', '').slice(0, digits);
  return `${kept[0]}.${kept.slice(1)}e${exp}`;
}

/** `d.ddd × 10^e` written without an exponent: `123.4`, `0.001234`, `1234000`. */
function fixedForm(significand: string, e: number): string {
  if (e < 0) return `0.${'0'.repeat(-e - 1)}${significand}`;
  const intDigits = e + 1;
  if (significand.length <= intDigits) return significand + '0'.repeat(intDigits - significand.length);
  return `${significand.slice(0, intDigits)}.${significand.slice(intDigits)}`;
}

/** `d.ddd × 10^e` in exponent form, without a `+` sign on the exponent: `1.234e-7`, `5e21`. */
function exponentForm(significand: string, e: number): string {
  const fraction = significand.length > 1 ? `.${significand.slice(1)}` : '';
  return `${significand[0]}${fraction}e${e}`;
}
