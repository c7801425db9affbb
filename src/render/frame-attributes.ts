import type { Dataset } from '../dicom/part10.js';

/** First item of a naturalized sequence (dcmjs gives an array of items, or one item object). */
export function firstItem(value: unknown): Dataset | undefined {
  const item = Array.isArray(value) ? value[0] : value;
  return item && typeof item === 'object' && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer)
    ? (item as Dataset)
    : undefined;
}

/** All values of a numeric attribute (DS/IS strings or numbers, single or multi-valued). */
export function numbers(ds: Dataset | undefined, keyword: string): number[] {
  if (!ds) return [];
  const raw = ds[keyword];
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null || raw === '' ? [] : [raw];
  return list
    .map((v) => (typeof v === 'string' ? (v.trim() === '' ? NaN : Number(v)) : typeof v === 'number' ? v : NaN))
    .filter((v) => Number.isFinite(v));
}

export function firstNumber(ds: Dataset | undefined, keyword: string): number | undefined {
  return numbers(ds, keyword)[0];
}

export function firstString(ds: Dataset | undefined, keyword: string): string | undefined {
  if (!ds) return undefined;
  const raw = ds[keyword];
  const v = Array.isArray(raw) ? raw[0] : raw;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The data set to read a per-frame attribute from: for enhanced multi-frame objects the macro
 * item of the per-frame functional group, else the shared one, else the top level (PS3.3 C.7.6.16).
 */
export function frameMacro(ds: Dataset, frameIndex: number, sequence: string): Dataset | undefined {
  const perFrame = ds.PerFrameFunctionalGroupsSequence;
  const frameItem = Array.isArray(perFrame) ? (perFrame[frameIndex] as Dataset | undefined) : undefined;
  const fromFrame = firstItem(frameItem?.[sequence]);
  if (fromFrame) return fromFrame;
  const shared = firstItem(ds.SharedFunctionalGroupsSequence);
  return firstItem(shared?.[sequence]);
}
