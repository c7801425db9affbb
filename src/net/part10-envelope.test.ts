import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/part10.js';
import { splitPart10, wrapPart10 } from './part10-envelope.js';
import { pydicomTestFile } from '../../test/helpers/debian-fixtures.js';

const CT = pydicomTestFile('CT_small.dcm');

describe('part10 envelope', () => {
  it('splits a real file and re-wraps its data set byte-identically', () => {
    const file = readFileSync(CT);
    const split = splitPart10(file);
    expect(split.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(split.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    const dataset = file.subarray(split.datasetOffset);
    const wrapped = wrapPart10({ ...split, sourceAeTitle: 'MOD' }, dataset);
    const again = splitPart10(wrapped);
    expect(again).toMatchObject({ sopClassUid: split.sopClassUid, sopInstanceUid: split.sopInstanceUid });
    expect(wrapped.subarray(again.datasetOffset).equals(dataset)).toBe(true);
    const parsed = readPart10(wrapped);
    expect(parsed.meta.SourceApplicationEntityTitle).toBe('MOD');
    expect(parsed.meta.MediaStorageSOPInstanceUID).toBe(split.sopInstanceUid);
    expect(parsed.dataset.SOPInstanceUID).toBe(split.sopInstanceUid);
    expect(parsed.dataset.Rows).toBe(128);
  });

  it('pads odd-length UIDs with NUL and the group length is right', () => {
    const w = wrapPart10({ sopClassUid: '1.2.3', sopInstanceUid: '1.2.34', transferSyntaxUid: '1.2.840.10008.1.2' }, Buffer.alloc(0));
    const groupLength = w.readUInt32LE(132 + 8);
    expect(w.length).toBe(132 + 12 + groupLength);
    expect(splitPart10(w)).toMatchObject({ sopClassUid: '1.2.3', sopInstanceUid: '1.2.34', transferSyntaxUid: '1.2.840.10008.1.2' });
  });

  it('refuses a file without DICM', () => {
    expect(() => splitPart10(Buffer.alloc(200))).toThrow(/Part-10/);
  });
});
