/**
 * Specific Character Set with code extensions (PS3.3 C.12.1.1.2, PS3.5 6.1.2.5): values such as
 * ['', 'ISO 2022 IR 87'] (Japanese), ['ISO 2022 IR 13', 'ISO 2022 IR 87'] or ['', 'ISO 2022 IR 149']
 * (Korean), where escape sequences switch between character sets inside one value. dcmjs reads
 * only single-valued Specific Character Set; this decoder handles the multi-valued ones.
 */

const ESC = 0x1b;

type G0 = 'ascii' | 'jisx0208' | 'jisx0212';
type G1 = 'none' | 'katakana' | 'ksx1001' | 'gb2312' | { single: string };

/** ISO 8859 parts designated to G1 with ESC - F (PS3.3 Table C.12-3). */
const ISO8859_G1: Record<number, string> = {
  0x41: 'iso-8859-1', // IR 100
  0x42: 'iso-8859-2', // IR 101
  0x43: 'iso-8859-3', // IR 109
  0x44: 'iso-8859-4', // IR 110
  0x4c: 'iso-8859-5', // IR 144 Cyrillic
  0x47: 'iso-8859-6', // IR 127 Arabic
  0x46: 'iso-8859-7', // IR 126 Greek
  0x48: 'iso-8859-8', // IR 138 Hebrew
  0x4d: 'iso-8859-9', // IR 148
  0x54: 'windows-874', // IR 166 Thai
};

/** The G1 set a defined term puts in place before any escape (its ISO 2022 initial state). */
function initialG1(term: string): G1 {
  const t = term.trim().toUpperCase();
  if (t === 'ISO 2022 IR 13') return 'katakana';
  if (t === 'ISO 2022 IR 149') return 'ksx1001';
  if (t === 'ISO 2022 IR 58') return 'gb2312';
  const single: Record<string, string> = {
    'ISO 2022 IR 100': 'iso-8859-1',
    'ISO 2022 IR 101': 'iso-8859-2',
    'ISO 2022 IR 109': 'iso-8859-3',
    'ISO 2022 IR 110': 'iso-8859-4',
    'ISO 2022 IR 144': 'iso-8859-5',
    'ISO 2022 IR 127': 'iso-8859-6',
    'ISO 2022 IR 126': 'iso-8859-7',
    'ISO 2022 IR 138': 'iso-8859-8',
    'ISO 2022 IR 148': 'iso-8859-9',
    'ISO 2022 IR 166': 'windows-874',
  };
  return single[t] ? { single: single[t] } : 'none';
}

/** The real TextDecoder, captured before withIso2022Decoding swaps the global. */
const NativeTextDecoder = globalThis.TextDecoder;
const decoders = new Map<string, InstanceType<typeof NativeTextDecoder>>();
function decoder(label: string): InstanceType<typeof NativeTextDecoder> {
  let d = decoders.get(label);
  if (!d) decoders.set(label, (d = new NativeTextDecoder(label)));
  return d;
}

/** Bytes that end an escape state: control characters, and in PN the component/group delimiters. */
function resets(b: number): boolean {
  return b === 0x0a || b === 0x0c || b === 0x0d || b === 0x09 || b === 0x5c || b === 0x5e || b === 0x3d;
}

/**
 * Decodes one text value under a multi-valued Specific Character Set. The state returns to the
 * first value's character set at each delimiter (PS3.5 6.1.2.5.3).
 */
export function decodeIso2022(bytes: Uint8Array, charsets: readonly string[]): string {
  const start = { g0: 'ascii' as G0, g1: initialG1(charsets[0] ?? '') };
  let g0: G0 = start.g0;
  let g1: G1 = start.g1;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === ESC) {
      const a = bytes[i + 1];
      const c = bytes[i + 2];
      const d = bytes[i + 3];
      if (a === 0x28 && (c === 0x42 || c === 0x4a)) { g0 = 'ascii'; i += 3; } // ESC ( B / ESC ( J
      else if (a === 0x29 && c === 0x49) { g1 = 'katakana'; i += 3; } // ESC ) I
      else if (a === 0x24 && c === 0x42) { g0 = 'jisx0208'; i += 3; } // ESC $ B
      else if (a === 0x24 && c === 0x28 && d === 0x44) { g0 = 'jisx0212'; i += 4; } // ESC $ ( D
      else if (a === 0x24 && c === 0x29 && d === 0x43) { g1 = 'ksx1001'; i += 4; } // ESC $ ) C
      else if (a === 0x24 && c === 0x29 && d === 0x41) { g1 = 'gb2312'; i += 4; } // ESC $ ) A
      else if (a === 0x2d && ISO8859_G1[c] !== undefined) { g1 = { single: ISO8859_G1[c] }; i += 3; } // ESC - F
      else { out += '\u001b'; i += 1; }
      continue;
    }
    if (b < 0x80) {
      if (g0 === 'ascii' || b < 0x21 || b === 0x7f || i + 1 >= bytes.length) {
        out += String.fromCharCode(b);
        if (resets(b)) { g0 = start.g0; g1 = start.g1; }
        i += 1;
      } else {
        // JIS X 0208 / 0212 two-byte codes → EUC-JP, which the WHATWG decoder reads.
        const pair = [bytes[i] | 0x80, bytes[i + 1] | 0x80];
        out += decoder('euc-jp').decode(new Uint8Array(g0 === 'jisx0212' ? [0x8f, ...pair] : pair));
        i += 2;
      }
      continue;
    }
    // GR bytes: the G1 set.
    if (g1 === 'katakana') {
      out += b >= 0xa1 && b <= 0xdf ? String.fromCharCode(0xff61 + (b - 0xa1)) : '\ufffd';
      i += 1;
    } else if (g1 === 'ksx1001' || g1 === 'gb2312') {
      out += decoder(g1 === 'ksx1001' ? 'euc-kr' : 'gb18030').decode(bytes.subarray(i, i + 2));
      i += 2;
    } else if (typeof g1 === 'object') {
      out += decoder(g1.single).decode(bytes.subarray(i, i + 1));
      i += 1;
    } else {
      out += '\ufffd';
      i += 1;
    }
  }
  return out;
}

/** The Specific Character Set values dcmjs names in its "multiple character sets" error, if that is the error. */
export function multipleCharsetsOf(err: unknown): string[] | undefined {
  const m = /Using multiple character sets is not supported: (.*)$/s.exec((err as Error)?.message ?? '');
  return m ? m[1].split(',') : undefined;
}

/**
 * Runs a synchronous dcmjs read with every TextDecoder it creates replaced by one that decodes
 * with `charsets`.
 * Why a swap of the global: dcmjs (0.52) has no per-call decoder. DicomMessage.readFile builds
 * its streams itself and, on meeting (0008,0005), calls `new TextDecoder(label)` on the global for
 * the first value only (it refuses or ignores the code extensions), so the global is the one
 * place a decoder for ISO 2022 escapes can enter.
 * Why it is safe: `read` must be synchronous (no await): the global is swapped right before it,
 * restored in `finally`, and no other code runs in between.
 */
export function withIso2022Decoding<T>(charsets: readonly string[], read: () => T): T {
  const g = globalThis as unknown as { TextDecoder: typeof TextDecoder };
  const original = g.TextDecoder;
  class Iso2022TextDecoder {
    readonly encoding = 'iso-2022';
    decode(input?: ArrayBufferLike | ArrayBufferView): string {
      if (!input) return '';
      const bytes = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
      return decodeIso2022(bytes, charsets);
    }
  }
  g.TextDecoder = Iso2022TextDecoder as unknown as typeof TextDecoder;
  try {
    return read();
  } finally {
    g.TextDecoder = original;
  }
}
