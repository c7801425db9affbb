/**
 * How worklist search values become SQL patterns, after DICOM C-FIND matching (PS3.4 C.2.2.2):
 * `*` any run of characters, `?` one character, a range `from-to` for dates. Pure.
 */

/** Whether a search value holds a `*` or `?` wildcard (PS3.4 C.2.2.2.4). */
export function hasWildcard(value: string): boolean {
  return /[*?]/.test(value);
}

/**
 * A C-FIND wildcard value as a `LIKE … ESCAPE '\'` pattern: `*` → `%`, `?` → `_`, and the LIKE
 * specials `%`, `_` and `\` in the value matched literally.
 */
export function wildcardToLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

/** Text anywhere in a value, as a `LIKE … ESCAPE '\'` pattern (no wildcards of its own). */
export function containsLike(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A C-FIND wildcard value as a `GLOB` pattern (case-sensitive, as C-FIND matches values other
 * than Person Names): `*` and `?` kept, `[` matched literally.
 */
export function wildcardToGlob(value: string): string {
  return value.replace(/\[/g, '[[]');
}

/**
 * The form of a Person Name that searches compare: lower case (every script, not just ASCII as
 * SQLite's LIKE folds), so `doe*` and `DOE*` find `Doe^John` (PS3.4 C.2.2.2.1.1 leaves PN case
 * sensitivity to the implementation; a worklist user expects it to be ignored).
 */
export function personNameKey(name: string): string {
  return name.toLowerCase();
}

/** Inclusive bounds of a date range, DA values (YYYYMMDD); an open end is undefined. */
export interface DateRange {
  from?: string;
  to?: string;
}

function isDate(v: string): boolean {
  if (!/^\d{8}$/.test(v)) return false;
  const y = Number(v.slice(0, 4));
  const m = Number(v.slice(4, 6));
  const d = Number(v.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * A DA range as C-FIND takes it (PS3.4 C.2.2.2.5): `YYYYMMDD` (that day), `YYYYMMDD-YYYYMMDD`,
 * `YYYYMMDD-` (on or after) or `-YYYYMMDD` (on or before). Undefined when the value is none of
 * these, or a bound is no calendar date, or the range ends before it starts.
 */
export function parseDateRange(value: string): DateRange | undefined {
  const v = value.trim();
  const parts = v.split('-');
  if (parts.length === 1) return isDate(v) ? { from: v, to: v } : undefined;
  if (parts.length !== 2) return undefined;
  const [from, to] = parts as [string, string];
  if (from === '' && to === '') return undefined;
  if ((from !== '' && !isDate(from)) || (to !== '' && !isDate(to))) return undefined;
  if (from !== '' && to !== '' && from > to) return undefined;
  return { from: from || undefined, to: to || undefined };
}
