import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveUid, derivedSeriesUid, derivedSopInstanceUid, isValidUid } from './uid.js';

const seriesKey = {
  sourceSeriesUid: '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322',
  modelSha256: 'a'.repeat(64),
  presetKey: 'ct-default',
  windowName: 'lung',
  outputKind: 'sc-rgb',
};

describe('deriveUid', () => {
  it('is deterministic and valid under 2.25', () => {
    const a = deriveUid('ns', 'x', 'y');
    expect(a).toBe(deriveUid('ns', 'x', 'y'));
    expect(a.startsWith('2.25.')).toBe(true);
    expect(isValidUid(a)).toBe(true);
    expect(a.length).toBeLessThanOrEqual(64);
  });

  it('matches an independent computation of the UUIDv5-style value', () => {
    // Recompute with the same layout: 4-byte big-endian length + UTF-8 bytes per component.
    const parts = ['ns', 'x'];
    const h = createHash('sha1');
    for (const p of parts) {
      const b = Buffer.from(p);
      const len = Buffer.from([0, 0, 0, b.length]);
      h.update(len);
      h.update(b);
    }
    const bytes = h.digest().subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    expect(hex[12]).toBe('5'); // version nibble
    expect(['8', '9', 'a', 'b']).toContain(hex[16]); // RFC 4122 variant
    expect(deriveUid('ns', 'x')).toBe(`2.25.${BigInt('0x' + hex).toString()}`);
  });

  it('differs when the namespace or any part differs, including how parts are split', () => {
    const uids = new Set([
      deriveUid('ns', 'ab', 'c'),
      deriveUid('ns', 'a', 'bc'),
      deriveUid('ns', 'abc'),
      deriveUid('ns2', 'ab', 'c'),
      deriveUid('ns', 'ab', 'c', ''),
    ]);
    expect(uids.size).toBe(5);
  });

  it('stays valid over many inputs (no leading zeros, ≤ 64 chars)', () => {
    for (let i = 0; i < 2000; i++) {
      const uid = deriveUid('ns', String(i));
      expect(isValidUid(uid)).toBe(true);
    }
  });
});

describe('derivedSeriesUid', () => {
  it('gives the same UID for the same inputs', () => {
    expect(derivedSeriesUid(seriesKey)).toBe(derivedSeriesUid({ ...seriesKey }));
  });

  it.each(Object.keys(seriesKey) as (keyof typeof seriesKey)[])('changes when %s changes', (field) => {
    const other = { ...seriesKey, [field]: seriesKey[field] + '1' };
    expect(derivedSeriesUid(other)).not.toBe(derivedSeriesUid(seriesKey));
  });

  it('accepts the render-only marker instead of a model hash', () => {
    const render = derivedSeriesUid({ ...seriesKey, modelSha256: 'render' });
    expect(isValidUid(render)).toBe(true);
    expect(render).not.toBe(derivedSeriesUid(seriesKey));
  });
});

describe('derivedSopInstanceUid', () => {
  const series = derivedSeriesUid(seriesKey);
  const key = { derivedSeriesUid: series, sourceSopInstanceUid: '1.2.3.4', frameIndex: 0 };

  it('is deterministic and differs per source instance, frame and series', () => {
    const base = derivedSopInstanceUid(key);
    expect(derivedSopInstanceUid({ ...key })).toBe(base);
    expect(derivedSopInstanceUid({ ...key, frameIndex: 1 })).not.toBe(base);
    expect(derivedSopInstanceUid({ ...key, sourceSopInstanceUid: '1.2.3.5' })).not.toBe(base);
    expect(derivedSopInstanceUid({ ...key, derivedSeriesUid: '2.25.1' })).not.toBe(base);
    expect(base).not.toBe(series);
  });

  it('rejects a negative or fractional frame index', () => {
    expect(() => derivedSopInstanceUid({ ...key, frameIndex: -1 })).toThrow(RangeError);
    expect(() => derivedSopInstanceUid({ ...key, frameIndex: 0.5 })).toThrow(RangeError);
  });
});

describe('isValidUid', () => {
  it.each([
    ['1.2.840.10008.5.1.4.1.1.7', true],
    ['2.25.0', true],
    ['1.2.3', true],
    ['', false],
    ['1..2', false],
    ['1.2.', false],
    ['.1.2', false],
    ['1.02.3', false],
    ['1.2.a', false],
    ['1.2.3 ', false],
    ['1.' + '2'.repeat(63), false],
    ['1.' + '2'.repeat(62), true],
  ])('%s → %s', (uid, ok) => {
    expect(isValidUid(uid)).toBe(ok);
  });

  it('rejects non-strings', () => {
    expect(isValidUid(undefined)).toBe(false);
    expect(isValidUid(12)).toBe(false);
  });
});
