import { describe, expect, it } from 'vitest';
import { isDefaultRepertoire } from './dicom-text.js';
import { NOT_FOR_PRIMARY_DIAGNOSIS, seriesDescriptionFor } from './series-description.js';

describe('seriesDescriptionFor', () => {
  it('joins source, model, window and the warning', () => {
    expect(seriesDescriptionFor({ sourceDescription: 'Chest', windowName: 'lung', modelLabel: 'UniMIE v1' })).toBe(
      'Chest - enhanced (UniMIE v1) - lung - NOT FOR PRIMARY DIAGNOSIS',
    );
  });

  it('shortens the source description first', () => {
    expect(seriesDescriptionFor({ sourceDescription: 'Thorax 1mm', windowName: 'lung', modelLabel: 'UniMIE v1' })).toBe(
      'Thorax - enhanced (UniMIE v1) - lung - NOT FOR PRIMARY DIAGNOSIS',
    );
  });

  it('says rendered when no model ran and skips missing parts', () => {
    expect(seriesDescriptionFor({ windowName: 'bone' })).toBe('rendered - bone - NOT FOR PRIMARY DIAGNOSIS');
  });

  it('stays within 64 characters and never cuts the warning', () => {
    const long = seriesDescriptionFor({ sourceDescription: 'A'.repeat(60), windowName: 'mediastinum', modelLabel: 'UniMIE-ADM256 v1.2.3' });
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long.endsWith(NOT_FOR_PRIMARY_DIAGNOSIS)).toBe(true);
    expect(long).toContain('mediastinum');
    const huge = seriesDescriptionFor({ sourceDescription: 'A'.repeat(60), windowName: 'W'.repeat(60), modelLabel: 'M'.repeat(60) });
    expect(huge.length).toBeLessThanOrEqual(64);
    expect(huge.endsWith(NOT_FOR_PRIMARY_DIAGNOSIS)).toBe(true);
    expect(huge).toContain('enhanced');
  });

  it('uses only the default repertoire for its own text and removes value delimiters', () => {
    const text = seriesDescriptionFor({ sourceDescription: 'CT\\AX', windowName: 'lung', modelLabel: 'm' });
    expect(text).not.toContain('\\');
    expect(isDefaultRepertoire(text)).toBe(true);
  });
});
