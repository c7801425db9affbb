import dcmjs from 'dcmjs';

/** An attribute named in a rule, resolved against the DICOM dictionary (PS3.6). */
export interface TagRef {
  /** Key of the attribute in a naturalized data set: its keyword, or `GGGGEEEE` when it has none (private). */
  keyword: string;
  /** `GGGG,EEEE` (upper-case hex). */
  tag: string;
}

const NUMERIC = /^\(?\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)?$/;

/**
 * Resolves `SeriesDescription`, `0008,103E` or `(0008,103E)`. Returns undefined for a keyword the
 * dictionary does not know; a numeric tag always resolves (private tags keep their hex key, as
 * dcmjs' naturalizeDataset does).
 */
export function resolveTag(text: string): TagRef | undefined {
  const dict = dcmjs.data.DicomMetaDictionary;
  const m = NUMERIC.exec(text.trim());
  if (m) {
    const group = m[1]!.toUpperCase();
    const element = m[2]!.toUpperCase();
    const entry = dict.dictionary[`(${group},${element})`];
    return { keyword: entry?.name ?? `${group}${element}`, tag: `${group},${element}` };
  }
  const entry = dict.nameMap[text.trim()];
  if (!entry) return undefined;
  const [group, element] = entry.tag.replace(/[()]/g, '').split(',');
  return { keyword: entry.name, tag: `${group!.toUpperCase()},${element!.toUpperCase()}` };
}

/** A header value as the flat list of scalars a condition compares: multi-valued attributes give several. */
export function attributeValues(header: Record<string, unknown>, ref: TagRef): Array<string | number> {
  let raw = header[ref.keyword];
  if (raw === undefined && /^[0-9A-F]{8}$/.test(ref.keyword)) raw = header[ref.keyword.toLowerCase()];
  return flatten(raw);
}

function flatten(v: unknown): Array<string | number> {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [v.trim()];
  if (typeof v === 'number') return Number.isNaN(v) ? [] : [v];
  if (typeof v === 'bigint') return [Number(v)];
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (typeof v === 'object') {
    // Person Name as dcmjs naturalizes it: { Alphabetic, Ideographic, Phonetic }.
    const pn = v as { Alphabetic?: unknown };
    if (typeof pn.Alphabetic === 'string') return [pn.Alphabetic];
  }
  return [];
}
