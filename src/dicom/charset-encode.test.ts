import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textEncoderFor, UnencodableTextError } from './charset-encode.js';
import { readPart10, writePart10 } from './part10.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const CHARSET_FILES = pydicomData('charset_files');

describe('text encoders per Specific Character Set', () => {
  it('encodes single-byte sets with their ISO tables', () => {
    expect([...textEncoderFor('ISO_IR 100')!('Jérôme')]).toEqual([0x4a, 0xe9, 0x72, 0xf4, 0x6d, 0x65]);
    expect([...textEncoderFor('ISO_IR 126')!('Δ')]).toEqual([0xc4]);
    expect([...textEncoderFor('ISO_IR 144')!('Л')]).toEqual([0xbb]);
    expect([...textEncoderFor(['ISO_IR 138'])!('ש')]).toEqual([0xf9]);
  });

  it('refuses characters outside the set (no silent loss), including windows-1252 extras in Latin-1', () => {
    expect(() => textEncoderFor('ISO_IR 100')!('Ж')).toThrow(UnencodableTextError);
    expect(() => textEncoderFor('ISO_IR 100')!('€')).toThrow(UnencodableTextError);
    expect(() => textEncoderFor(undefined)!('é')).toThrow(UnencodableTextError);
    expect([...textEncoderFor('')!('ABC')]).toEqual([0x41, 0x42, 0x43]);
  });

  it('has no encoder for UTF-8, code extensions and GB18030 (written as UTF-8)', () => {
    expect(textEncoderFor('ISO_IR 192')).toBeNull();
    expect(textEncoderFor(['', 'ISO 2022 IR 87'])).toBeNull();
    expect(textEncoderFor('GB18030')).toBeNull();
  });
});

describe('Part-10 round trip keeps the declared character set', () => {
  const read = (f: string) => readPart10(readFileSync(join(CHARSET_FILES, f)));
  const nameBytes = (bytes: Uint8Array, name: string) => Buffer.from(bytes).includes(Buffer.from(name, 'latin1'));

  it.each([
    ['chrFren.dcm', 'ISO_IR 100'],
    ['chrGreek.dcm', 'ISO_IR 126'],
    ['chrRuss.dcm', 'ISO_IR 144'],
    ['chrArab.dcm', 'ISO_IR 127'],
    ['chrHbrw.dcm', 'ISO_IR 138'],
  ])('%s stays %s with the same text', (file, charset) => {
    const src = read(file);
    expect(src.dataset.SpecificCharacterSet).toBe(charset);
    const out = writePart10(src.dataset);
    const back = readPart10(out);
    expect(back.dataset.SpecificCharacterSet).toBe(charset);
    expect(back.dataset.PatientName).toEqual(src.dataset.PatientName);
  });

  it('writes Latin-1 bytes, not UTF-8, for ISO_IR 100', () => {
    const out = writePart10(read('chrFren.dcm').dataset);
    expect(nameBytes(out, 'Buc^J\u00e9r\u00f4me')).toBe(true);
    expect(Buffer.from(out).includes(Buffer.from('Jérôme', 'utf8'))).toBe(false);
  });

  it('falls back to UTF-8 (ISO_IR 192) for text the declared set cannot carry and for code extensions', () => {
    const latin = read('chrFren.dcm').dataset;
    const mixed = readPart10(writePart10({ ...latin, PatientName: [{ Alphabetic: 'Люк^Jérôme' }] }));
    expect(mixed.dataset.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(mixed.dataset.PatientName).toEqual([{ Alphabetic: 'Люк^Jérôme' }]);
    const japanese = read('chrH31.dcm');
    const again = readPart10(writePart10(japanese.dataset));
    expect(again.dataset.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(again.dataset.PatientName).toEqual(japanese.dataset.PatientName);
  });
});
