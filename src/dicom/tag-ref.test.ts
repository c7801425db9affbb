import { describe, expect, it } from 'vitest';
import { attributeValues, resolveTag } from './tag-ref.js';

describe('resolveTag', () => {
  it.each(['SeriesDescription', '0008,103E', '(0008,103E)', '0008,103e', '( 0008 , 103e )'])('%s → SeriesDescription', (text) => {
    expect(resolveTag(text)).toEqual({ keyword: 'SeriesDescription', tag: '0008,103E' });
  });

  it('keeps the hex key for a tag without keyword (private)', () => {
    expect(resolveTag('(0019,10aa)')).toEqual({ keyword: '001910AA', tag: '0019,10AA' });
  });

  it('refuses an unknown keyword', () => {
    expect(resolveTag('SeriesDescriptoin')).toBeUndefined();
    expect(resolveTag('0008-103E')).toBeUndefined();
  });
});

describe('attributeValues', () => {
  it('flattens multi-valued attributes, person names and numbers', () => {
    const header = { ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'], ReferringPhysicianName: [{ Alphabetic: 'Doe^J' }], SliceThickness: 5, SeriesDescription: 'Chest ', Empty: '' };
    expect(attributeValues(header, { keyword: 'ImageType', tag: '0008,0008' })).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
    expect(attributeValues(header, { keyword: 'ReferringPhysicianName', tag: '0008,0090' })).toEqual(['Doe^J']);
    expect(attributeValues(header, { keyword: 'SliceThickness', tag: '0018,0050' })).toEqual([5]);
    expect(attributeValues(header, { keyword: 'SeriesDescription', tag: '0008,103E' })).toEqual(['Chest']);
    expect(attributeValues(header, { keyword: 'Empty', tag: '0000,0000' })).toEqual([]);
    expect(attributeValues(header, { keyword: 'Modality', tag: '0008,0060' })).toEqual([]);
  });

  it('finds private attributes under their hex key in either case', () => {
    expect(attributeValues({ '001910aa': 'x' }, { keyword: '001910AA', tag: '0019,10AA' })).toEqual(['x']);
  });
});
