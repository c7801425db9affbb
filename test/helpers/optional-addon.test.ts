import { describe, expect, it } from 'vitest';
import { isCi, missingAddonVerdict } from './optional-addon.js';

describe('a missing optional addon', () => {
  it('fails the suite whenever CI is set, as CI services set it', () => {
    for (const CI of ['true', '1', 'TRUE', 'yes']) {
      expect(isCi({ CI })).toBe(true);
      expect(missingAddonVerdict('dicom-dimse-native', 'its tests', { CI })).toMatchObject({ action: 'fail', message: expect.stringContaining('dicom-dimse-native') });
    }
  });

  it('only warns on a machine without CI', () => {
    for (const env of [{}, { CI: '' }, { CI: '0' }, { CI: 'false' }]) {
      expect(isCi(env)).toBe(false);
      expect(missingAddonVerdict('dicom-dimse-native', 'its tests', env).action).toBe('warn');
    }
  });
});
