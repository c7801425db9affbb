import { describe, expect, it } from 'vitest';
import { rejectReasonLabel } from './reject-reason-label.js';

describe('rejectReasonLabel', () => {
  it('names the PS3.8 reject reasons', () => {
    expect(rejectReasonLabel({ result: 1, source: 1, reason: 3 })).toBe('permanent:calling-ae-title-not-recognized');
    expect(rejectReasonLabel({ result: 1, source: 1, reason: 7 })).toBe('permanent:called-ae-title-not-recognized');
    expect(rejectReasonLabel({ result: 2, source: 3, reason: 1 })).toBe('transient:temporary-congestion');
    expect(rejectReasonLabel({ result: 2, source: 3, reason: 2 })).toBe('transient:local-limit-exceeded');
  });

  it('keeps unknown codes bounded and visible', () => {
    expect(rejectReasonLabel({ result: 1, source: 1, reason: 9 })).toBe('permanent:source-1-reason-9');
  });
});
