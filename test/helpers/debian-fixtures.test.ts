import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pydicomData, pydicomTestFile, PYDICOM_PACKAGE } from './debian-fixtures.js';

describe('Debian sample files', () => {
  it('locates pydicom test and charset files', () => {
    expect(existsSync(pydicomTestFile('CT_small.dcm'))).toBe(true);
    expect(pydicomData('charset_files')).toMatch(/pydicom\/data\/charset_files$/);
  });

  it('names the Debian package to install when a sample is missing', () => {
    expect(() => pydicomTestFile('no-such-sample.dcm')).toThrow(`install the Debian package ${PYDICOM_PACKAGE}`);
  });
});
