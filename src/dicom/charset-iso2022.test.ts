import { describe, expect, it } from 'vitest';
import { decodeIso2022, multipleCharsetsOf, withIso2022Decoding } from './charset-iso2022.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

describe('decodeIso2022 (PS3.5 6.1.2.5, multi-valued Specific Character Set)', () => {
  it('JIS X 0208 after ESC $ B, back to ASCII after ESC ( B', () => {
    // Yamada^Tarou=山田^太郎 (chrH31)
    const bytes = hex('59616d6164615e5461726f753d 1b2442 3b3345441b2842 5e 1b2442 42404f3a 1b2842');
    expect(decodeIso2022(bytes, ['', 'ISO 2022 IR 87'])).toBe('Yamada^Tarou=山田^太郎');
  });

  it('half-width katakana in GR under ISO 2022 IR 13 (chrH32)', () => {
    expect(decodeIso2022(hex('d4cfc0de5ec0dbb3'), ['ISO 2022 IR 13', 'ISO 2022 IR 87'])).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ');
  });

  it('KS X 1001 after ESC $ ) C (chrKoreanMulti)', () => {
    expect(decodeIso2022(hex('1b242943b1e8c8f1c1df'), ['', 'ISO 2022 IR 149'])).toBe('김희중');
  });

  it('returns to the initial G1 set at a PN delimiter: each component designates KS X 1001 again (chrI2)', () => {
    expect(decodeIso2022(hex('1b242943 fbf3 5e 1b242943 d1ced4d7'), ['', 'ISO 2022 IR 149'])).toBe('洪^吉洞');
    expect(decodeIso2022(hex('1b242943 fbf3 5e d1ce'), ['', 'ISO 2022 IR 149'])).toBe('洪^\ufffd\ufffd');
  });

  it('ISO 8859 parts designated with ESC - F', () => {
    // ESC - F designates Greek (IR 126) to G1: 0xC4 = Δ
    expect(decodeIso2022(hex('1b2d46c4'), ['ISO 2022 IR 6', 'ISO 2022 IR 126'])).toBe('Δ');
  });
});

describe('dcmjs integration helpers', () => {
  it('reads the character sets out of dcmjs’ refusal', () => {
    expect(multipleCharsetsOf(new Error('Using multiple character sets is not supported: ISO 2022 IR 13,ISO 2022 IR 87'))).toEqual([
      'ISO 2022 IR 13',
      'ISO 2022 IR 87',
    ]);
    expect(multipleCharsetsOf(new Error('other'))).toBeUndefined();
  });

  it('swaps the global TextDecoder only for the duration of the read', () => {
    const before = globalThis.TextDecoder;
    const text = withIso2022Decoding(['', 'ISO 2022 IR 87'], () => new TextDecoder('latin1').decode(hex('1b24423b3345441b2842')));
    expect(text).toBe('山田');
    expect(globalThis.TextDecoder).toBe(before);
    expect(() => withIso2022Decoding([], () => { throw new Error('boom'); })).toThrow('boom');
    expect(globalThis.TextDecoder).toBe(before);
  });
});
