import { describe, expect, it } from 'vitest';
import { isDicomPart, parseStowContentType } from './stow-media-type.js';

describe('STOW-RS request media type', () => {
  it.each([
    ['multipart/related; type="application/dicom"; boundary="abc:def"', 'abc:def'],
    ['Multipart/Related; boundary=x123; type=application/dicom', 'x123'],
    // dicomweb-client and others that leave out `type`: each part's type is checked instead.
    ['multipart/related; boundary=--=_part', '--=_part'],
  ])('accepts %s', (header, boundary) => {
    expect(parseStowContentType(header)).toEqual({ ok: true, boundary });
  });

  it.each([
    [undefined, /no Content-Type/],
    ['application/dicom', /application\/dicom is not accepted/],
    ['application/json', /not accepted/],
    ['multipart/form-data; boundary=x', /multipart\/form-data is not accepted/],
    ['multipart/related; type="application/dicom+json"; boundary=x', /only application\/dicom parts/],
    ['multipart/related; type="application/dicom"', /boundary/],
    [`multipart/related; type="application/dicom"; boundary=${'b'.repeat(71)}`, /boundary/],
    ['not a media type', /unreadable|not accepted/],
  ])('refuses %s', (header, reason) => {
    const r = parseStowContentType(header);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('takes a part without Content-Type, or application/dicom with parameters, as DICOM', () => {
    expect(isDicomPart(undefined)).toBe(true);
    expect(isDicomPart('application/dicom')).toBe(true);
    expect(isDicomPart('application/dicom; transfer-syntax=1.2.840.10008.1.2.1')).toBe(true);
    expect(isDicomPart('image/jpeg')).toBe(false);
    expect(isDicomPart('application/dicom+json')).toBe(false);
  });
});
