import { describe, expect, it } from 'vitest';
import { fitText, formatDicomDateTime, parseTimezoneOffset } from './dicom-text.js';

describe('fitText', () => {
  it('leaves fitting text alone', () => {
    expect(fitText('abc', 'LO')).toBe('abc');
    expect(fitText('x'.repeat(64), 'LO')).toBe('x'.repeat(64));
  });

  it('cuts to the VR limit with an ellipsis', () => {
    expect(fitText('x'.repeat(65), 'LO')).toBe('x'.repeat(61) + '...');
    expect(fitText('y'.repeat(2000), 'ST')).toHaveLength(1024);
    expect(fitText('z'.repeat(20), 'SH')).toBe('z'.repeat(13) + '...');
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(40); // 80 UTF-16 units
    const cut = fitText(text, 'LO');
    expect(cut.length).toBeLessThanOrEqual(64);
    expect(cut.endsWith('...')).toBe(true);
    expect(cut.slice(0, -3)).toBe('😀'.repeat(30));
  });

  it('replaces backslashes and control characters in single-line VRs, keeps line breaks in ST', () => {
    expect(fitText('a\\b\tc', 'LO')).toBe('a/b c');
    expect(fitText('line1\r\nline2\\x', 'ST')).toBe('line1\r\nline2\\x');
  });
});

describe('parseTimezoneOffset', () => {
  it.each([
    ['-0500', -300],
    ['+0530', 330],
    ['+0000', 0],
    ['0500', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, minutes) => {
    expect(parseTimezoneOffset(value)).toBe(minutes);
  });
});

describe('formatDicomDateTime', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');

  it('renders UTC by default', () => {
    expect(formatDicomDateTime(at)).toEqual({ date: '20260102', time: '030405.678000', dateTime: '20260102030405.678000+0000' });
  });

  it('renders in a negative offset across midnight', () => {
    expect(formatDicomDateTime(at, -300)).toEqual({ date: '20260101', time: '220405.678000', dateTime: '20260101220405.678000-0500' });
  });

  it('renders half-hour offsets', () => {
    expect(formatDicomDateTime(at, 330).dateTime).toBe('20260102083405.678000+0530');
  });

  it('refuses an invalid date', () => {
    expect(() => formatDicomDateTime(new Date(NaN))).toThrow(RangeError);
  });
});
