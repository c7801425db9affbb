import { describe, expect, it } from 'vitest';
import { isDefaultRepertoire } from './dicom-text.js';
import { NOT_FOR_PRIMARY_DIAGNOSIS, seriesDescriptionFor } from './series-description.js';

describe('seriesDescriptionFor', () => {
  it('joins source, what ran, window and the warning', () => {
    expect(seriesDescriptionFor({ sourceDescription: 'Chest', windowName: 'lung', what: ['enhanced (UniMIE v1)', 'UniMIE'] })).toBe(
      'Chest - enhanced (UniMIE v1) - lung - NOT FOR PRIMARY DIAGNOSIS',
    );
  });

  it('shortens the source description first', () => {
    expect(seriesDescriptionFor({ sourceDescription: 'Thorax 1mm', windowName: 'lung', what: ['enhanced (UniMIE v1)', 'UniMIE'] })).toBe(
      'Thorax - enhanced (UniMIE v1) - lung - NOT FOR PRIMARY DIAGNOSIS',
    );
  });

  it('then takes the shorter forms of what ran, in order, before touching the window', () => {
    const what = ['enhanced (UniMIE embedded 3 NFE)', 'UniMIE 3 NFE', 'UniMIE'];
    expect(seriesDescriptionFor({ sourceDescription: 'Abdomen', windowName: 'soft-tissue', what })).toBe(
      'UniMIE 3 NFE - soft-tissue - NOT FOR PRIMARY DIAGNOSIS',
    );
    expect(seriesDescriptionFor({ windowName: 'lung', what })).toBe('UniMIE 3 NFE - lung - NOT FOR PRIMARY DIAGNOSIS');
    const classical = ['illumination corr. (classical)', 'illum. corr. (classical)', 'classical'];
    expect(seriesDescriptionFor({ windowName: 'bone', what: classical })).toBe('illum. corr. (classical) - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(seriesDescriptionFor({ windowName: 'soft-tissue', what: classical })).toBe('classical - soft-tissue - NOT FOR PRIMARY DIAGNOSIS');
  });

  it('says rendered when no model ran and skips missing parts', () => {
    expect(seriesDescriptionFor({ windowName: 'bone' })).toBe('rendered - bone - NOT FOR PRIMARY DIAGNOSIS');
  });

  it('stays within 64 characters and never cuts the warning', () => {
    const long = seriesDescriptionFor({ sourceDescription: 'A'.repeat(60), windowName: 'mediastinum', what: ['enhanced (UniMIE-ADM256 v1.2.3)', 'UniMIE'] });
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long.endsWith(NOT_FOR_PRIMARY_DIAGNOSIS)).toBe(true);
    expect(long).toContain('mediastinum');
    const huge = seriesDescriptionFor({ sourceDescription: 'A'.repeat(60), windowName: 'W'.repeat(60), what: [`enhanced (${'M'.repeat(60)})`, 'enhanced'] });
    expect(huge.length).toBeLessThanOrEqual(64);
    expect(huge.endsWith(NOT_FOR_PRIMARY_DIAGNOSIS)).toBe(true);
    expect(huge).toContain('enhanced');
  });

  it('uses only the default repertoire for its own text and removes value delimiters', () => {
    const text = seriesDescriptionFor({ sourceDescription: 'CT\\AX', windowName: 'lung', what: ['m'] });
    expect(text).not.toContain('\\');
    expect(isDefaultRepertoire(text)).toBe(true);
  });
});
