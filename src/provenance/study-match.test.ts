import { describe, expect, it } from 'vitest';
import { containsLike, hasWildcard, parseDateRange, personNameKey, wildcardToGlob, wildcardToLike } from './study-match.js';

describe('wildcardToLike', () => {
  it('turns * and ? into % and _', () => {
    expect(wildcardToLike('DOE*')).toBe('DOE%');
    expect(wildcardToLike('D?E^J*')).toBe('D_E^J%');
  });
  it('escapes the LIKE specials so they match themselves', () => {
    expect(wildcardToLike('50%_off\\x*')).toBe('50\\%\\_off\\\\x%');
  });
});

describe('containsLike', () => {
  it('wraps the escaped text in %', () => {
    expect(containsLike('CT 100%')).toBe('%CT 100\\%%');
    expect(containsLike('a*b')).toBe('%a*b%');
  });
});

describe('wildcardToGlob', () => {
  it('keeps * and ? and makes [ literal', () => {
    expect(wildcardToGlob('PAT[1]*')).toBe('PAT[[]1]*');
    expect(wildcardToGlob('ID?')).toBe('ID?');
  });
});

describe('hasWildcard', () => {
  it('sees * and ? only', () => {
    expect(hasWildcard('123*')).toBe(true);
    expect(hasWildcard('12?')).toBe(true);
    expect(hasWildcard('12%')).toBe(false);
  });
});

describe('personNameKey', () => {
  it('lower-cases beyond ASCII', () => {
    expect(personNameKey('MÜLLER^JÖRG')).toBe('müller^jörg');
  });
});

describe('parseDateRange', () => {
  it('takes a day, a closed range and open ranges', () => {
    expect(parseDateRange('20240131')).toEqual({ from: '20240131', to: '20240131' });
    expect(parseDateRange('20240101-20240131')).toEqual({ from: '20240101', to: '20240131' });
    expect(parseDateRange('20240101-')).toEqual({ from: '20240101', to: undefined });
    expect(parseDateRange('-20240131')).toEqual({ from: undefined, to: '20240131' });
  });
  it('refuses what is no DA range', () => {
    for (const bad of ['', '-', '2024-01-01', '20240230', '20241301', '20240131-20240101', '2024013', '20240101-20240102-20240103', 'x']) {
      expect(parseDateRange(bad), bad).toBeUndefined();
    }
  });
});
