import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { readPart10, writePart10, type Dataset } from './part10.js';

type Proto = { writeUTF8String: unknown };
const proto = (dcmjs.data as unknown as { WriteBufferStream: { prototype: Proto } }).WriteBufferStream.prototype;

function dataset(over: Partial<Dataset>): Dataset {
  return { SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: '1.2.3.4.5', ...over } as Dataset;
}

describe('writePart10 text encoding', () => {
  it('leaves dcmjs its own UTF-8 text writer outside a write', () => {
    writePart10(dataset({ SpecificCharacterSet: 'ISO_IR 100', PatientName: 'Müller' }));
    expect(String(proto.writeUTF8String)).toMatch(/this\.encoder\.encode/);
  });

  it('writes a single-byte set in its own bytes and leaves dcmjs text writing as it was', () => {
    const before = proto.writeUTF8String;
    const bytes = writePart10(dataset({ SpecificCharacterSet: 'ISO_IR 100', PatientName: 'Müller' }));
    expect(proto.writeUTF8String).toBe(before);
    expect(bytes.includes(Buffer.from('M\xfcller', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('Müller', 'utf8'))).toBe(false);
    expect(readPart10(bytes).dataset.PatientName).toEqual([{ Alphabetic: 'Müller' }]);
    // The next UTF-8 write is not affected by the one before.
    const utf8 = writePart10(dataset({ SpecificCharacterSet: 'ISO_IR 192', PatientName: 'Müller' }));
    expect(utf8.includes(Buffer.from('Müller', 'utf8'))).toBe(true);
  });

  it('restores dcmjs when the set cannot carry the text (and falls back to UTF-8)', () => {
    const before = proto.writeUTF8String;
    const bytes = writePart10(dataset({ SpecificCharacterSet: 'ISO_IR 100', PatientName: '山田' }));
    expect(proto.writeUTF8String).toBe(before);
    expect(readPart10(bytes).dataset.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(bytes.includes(Buffer.from('山田', 'utf8'))).toBe(true);
  });
});
