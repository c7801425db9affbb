import { describe, expect, it } from 'vitest';
import { repeatDecision } from './repeat-window.js';

describe('repeatDecision', () => {
  it('sends the first raise and the first after the window, holds back those in between', () => {
    expect(repeatDecision(undefined, 1000, 60_000)).toEqual({ send: true, suppressedBefore: 0 });
    expect(repeatDecision({ lastRaisedAt: 1000, suppressed: 0 }, 1000 + 59_999, 60_000)).toEqual({ send: false });
    expect(repeatDecision({ lastRaisedAt: 1000, suppressed: 41 }, 1000 + 60_000, 60_000)).toEqual({ send: true, suppressedBefore: 41 });
  });

  it('sends every raise with a window of 0, and after a clock step back', () => {
    expect(repeatDecision({ lastRaisedAt: 1000, suppressed: 2 }, 1000, 0)).toEqual({ send: true, suppressedBefore: 2 });
    expect(repeatDecision({ lastRaisedAt: 5000, suppressed: 0 }, 1000, 60_000)).toEqual({ send: true, suppressedBefore: 0 });
  });
});
