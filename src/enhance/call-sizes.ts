/**
 * How the patches of one sampling step are split into model calls. Calls are as even as possible
 * (18 patches in batches of ≤ 16 → 9 + 9, not 16 + 2), so a series of same-size slices gives the
 * model one input shape. On the CUDA provider every change of input shape costs seconds (measured
 * on an H100 with ADM-256: ≈ 3.4 s per change, every time the batch size alternates), so on an
 * accelerator every call is also padded to one fixed size.
 */

/** Sizes of the fewest calls of at most `batch` items that hold `n` items, largest first, differing by ≤ 1. */
export function evenCallSizes(n: number, batch: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`item count ${n} must be a non-negative integer`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch size ${batch} must be a positive integer`);
  if (n === 0) return [];
  const calls = Math.ceil(n / batch);
  const small = Math.floor(n / calls);
  const large = n - small * calls;
  return Array.from({ length: calls }, (_, i) => (i < large ? small + 1 : small));
}

/** Consecutive slices of `items` with the given sizes. */
export function splitBySizes<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(items.slice(at, at + size));
    at += size;
  }
  if (at !== items.length) throw new RangeError(`sizes hold ${at} items, not ${items.length}`);
  return out;
}
