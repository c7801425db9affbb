/**
 * Text encoding for the character set a data set declares (PS3.3 C.12.1.1.2, PS3.5 §6.1). dcmjs
 * decodes every text value to a JavaScript string and writes UTF-8; so that a derived object can
 * keep its source's Specific Character Set, writePart10 encodes the text values with the encoder
 * here. Single-byte sets (ISO 8859 parts, TIS 620) are encoded from tables built once from the
 * platform's decoders; the default repertoire is ASCII. Code extensions (ISO 2022, multi-valued)
 * and GB18030/GBK have no encoder: such objects are written in UTF-8 and say ISO_IR 192.
 */

/** Defined terms of single-byte character sets → WHATWG decoder label and the byte ranges it covers. */
const SINGLE_BYTE: Record<string, { label: string; high: [number, number] }> = {
  'ISO_IR 100': { label: 'iso-8859-1', high: [0xa0, 0xff] },
  'ISO_IR 101': { label: 'iso-8859-2', high: [0xa0, 0xff] },
  'ISO_IR 109': { label: 'iso-8859-3', high: [0xa0, 0xff] },
  'ISO_IR 110': { label: 'iso-8859-4', high: [0xa0, 0xff] },
  'ISO_IR 144': { label: 'iso-8859-5', high: [0xa0, 0xff] },
  'ISO_IR 127': { label: 'iso-8859-6', high: [0xa0, 0xff] },
  'ISO_IR 126': { label: 'iso-8859-7', high: [0xa0, 0xff] },
  'ISO_IR 138': { label: 'iso-8859-8', high: [0xa0, 0xff] },
  'ISO_IR 148': { label: 'iso-8859-9', high: [0xa0, 0xff] },
  'ISO_IR 203': { label: 'iso-8859-15', high: [0xa0, 0xff] },
  'ISO_IR 166': { label: 'windows-874', high: [0xa1, 0xfb] },
};

export const UTF8_CHARACTER_SET = 'ISO_IR 192';

/** A character the declared set cannot represent. */
export class UnencodableTextError extends Error {}

export type TextEncodeFn = (text: string) => Uint8Array;

const tables = new Map<string, Map<number, number>>();

function tableFor(term: string): Map<number, number> {
  let table = tables.get(term);
  if (table) return table;
  const { label, high } = SINGLE_BYTE[term]!;
  table = new Map();
  const decoder = new TextDecoder(label);
  // WHATWG maps iso-8859-1/-9 to windows-1252/-1254: only the ISO G1 range (high) is taken, so
  // e.g. € (0x80 in windows-1252) is not encodable in ISO_IR 100, as in the standard.
  for (let b = high[0]; b <= high[1]; b++) {
    const ch = decoder.decode(Uint8Array.of(b));
    if (ch.length === 1 && ch !== '\ufffd') table.set(ch.charCodeAt(0), b);
  }
  tables.set(term, table);
  return table;
}

/** The declared Specific Character Set as one defined term, or null when it is multi-valued. */
function singleTerm(value: unknown): string | null {
  const values = Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
  if (values.length > 1) return null;
  const v = values[0];
  return typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : null;
}

/**
 * The encoder for a declared Specific Character Set: ASCII for the default repertoire (absent,
 * empty or ISO_IR 6), a table for single-byte sets, null where text must be written as UTF-8
 * (ISO_IR 192 itself, code extensions, GB18030, GBK, unknown terms).
 */
export function textEncoderFor(specificCharacterSet: unknown): TextEncodeFn | null {
  const term = singleTerm(specificCharacterSet);
  if (term === null || term === UTF8_CHARACTER_SET) return null;
  if (term === '' || term === 'ISO_IR 6') return encodeWith(new Map());
  if (!SINGLE_BYTE[term]) return null;
  return encodeWith(tableFor(term));
}

function encodeWith(table: Map<number, number>): TextEncodeFn {
  return (text) => {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const b = c < 0x80 ? c : table.get(c);
      if (b === undefined) throw new UnencodableTextError(`"${text[i]}" (U+${c.toString(16).toUpperCase().padStart(4, '0')}) is not in the declared character set`);
      out[i] = b;
    }
    return out;
  };
}

/** Whether the declared set needs no encoding work (UTF-8): ISO_IR 192. */
export function declaresUtf8(specificCharacterSet: unknown): boolean {
  return singleTerm(specificCharacterSet) === UTF8_CHARACTER_SET;
}
