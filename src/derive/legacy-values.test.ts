import { describe, expect, it } from 'vitest';
import { currentFormValue } from './legacy-values.js';
import { pickAttributes } from './source-modules.js';

describe('currentFormValue', () => {
  it('converts retired ACR-NEMA dates and times, and nothing else', () => {
    expect(currentFormValue('StudyDate', '1997.04.24')).toBe('19970424');
    expect(currentFormValue('StudyTime', '12:30:05.25')).toBe('123005.25');
    expect(currentFormValue('StudyTime', '12:30')).toBe('1230');
    expect(currentFormValue('StudyDate', '19970424')).toBe('19970424');
    expect(currentFormValue('StudyDate', '')).toBe('');
    expect(currentFormValue('StudyDescription', '1997.04.24')).toBe('1997.04.24');
    expect(currentFormValue('CalibrationDate', ['1997.04.24', '19980101'])).toEqual(['19970424', '19980101']);
  });

  it('is applied to every attribute a derived object copies', () => {
    expect(pickAttributes({ StudyDate: '1997.04.24', PatientName: 'A^B' }, ['StudyDate', 'PatientName'])).toEqual({ StudyDate: '19970424', PatientName: 'A^B' });
  });
});
