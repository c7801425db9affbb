import { describe, expect, it } from 'vitest';
import type { Condition } from '../config/types.js';
import { evaluateCondition } from './condition.js';

const eq = (value: string | number, not = false): Condition => ({ test: { op: 'equals', value }, not });
const re = (pattern: string, flags = '', not = false): Condition => ({ test: { op: 'regex', pattern, flags }, not });
const range = (min?: number, max?: number, not = false): Condition => ({ test: { op: 'range', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }, not });

describe('evaluateCondition', () => {
  it('equals compares strings exactly and numbers numerically', () => {
    expect(evaluateCondition('Modality', eq('CT'), ['CT']).ok).toBe(true);
    expect(evaluateCondition('Modality', eq('CT'), ['ct']).ok).toBe(false);
    expect(evaluateCondition('Modality', eq('CT'), ['MR']).ok).toBe(false);
    expect(evaluateCondition('SliceThickness', eq(5), ['5.0']).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', eq('5'), [5]).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', eq(5), ['5.5']).ok).toBe(false);
  });

  it('regex tests the text form, with flags', () => {
    expect(evaluateCondition('SeriesDescription', re('lung', 'i'), ['CT Thorax LUNG']).ok).toBe(true);
    expect(evaluateCondition('SeriesDescription', re('lung'), ['CT Thorax LUNG']).ok).toBe(false);
    expect(evaluateCondition('SeriesNumber', re('^1\\d$'), [12]).ok).toBe(true);
  });

  it('range is inclusive, open-ended, numeric values only', () => {
    expect(evaluateCondition('SliceThickness', range(1, 3), ['1']).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', range(1, 3), [3]).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', range(1, 3), ['3.01']).ok).toBe(false);
    expect(evaluateCondition('SliceThickness', range(undefined, 3), [-10]).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', range(2), ['1e1']).ok).toBe(true);
    expect(evaluateCondition('SeriesDescription', range(0, 100), ['abc']).ok).toBe(false);
  });

  it('a multi-valued attribute matches when any value does; absent matches nothing', () => {
    expect(evaluateCondition('ImageType', eq('LOCALIZER'), ['ORIGINAL', 'PRIMARY', 'LOCALIZER']).ok).toBe(true);
    expect(evaluateCondition('ImageType', eq('LOCALIZER'), ['ORIGINAL', 'PRIMARY', 'AXIAL']).ok).toBe(false);
    expect(evaluateCondition('ImageType', eq('LOCALIZER'), []).ok).toBe(false);
    expect(evaluateCondition('ImageType', re('.*'), []).ok).toBe(false);
  });

  it('not negates the whole result (so an absent attribute satisfies a negated test)', () => {
    expect(evaluateCondition('ImageType', eq('LOCALIZER', true), ['ORIGINAL', 'LOCALIZER']).ok).toBe(false);
    expect(evaluateCondition('ImageType', eq('LOCALIZER', true), ['ORIGINAL', 'AXIAL']).ok).toBe(true);
    expect(evaluateCondition('SeriesDescription', re('scout', 'i', true), []).ok).toBe(true);
    expect(evaluateCondition('SliceThickness', range(1, 3, true), [5]).ok).toBe(true);
  });

  it('explains itself for the dry-run', () => {
    expect(evaluateCondition('Modality', eq('CT'), ['CT']).text).toBe('Modality CT equals CT ✓');
    expect(evaluateCondition('SeriesDescription', re('lung', 'i'), ['Chest 1mm']).text).toBe('SeriesDescription "Chest 1mm" regex /lung/i ✗');
    expect(evaluateCondition('SliceThickness', range(1, 3, true), [5]).text).toBe('SliceThickness 5 not range [1, 3] ✓');
    expect(evaluateCondition('SliceThickness', range(2), []).text).toBe('SliceThickness (absent) range [≥ 2] ✗');
    expect(evaluateCondition('ImageType', eq('AXIAL'), ['ORIGINAL', 'PRIMARY', 'AXIAL']).text).toBe('ImageType ORIGINAL\\PRIMARY\\AXIAL equals AXIAL ✓');
  });
});
