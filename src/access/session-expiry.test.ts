import { describe, expect, it } from 'vitest';
import { sessionExpired, sessionLimits, sessionNeedsTouch } from './session-expiry.js';

const LIMITS = sessionLimits({ idleMinutes: 30, absoluteHours: 12 });

describe('session expiry', () => {
  it('ends a session after the idle time without requests or the absolute time after sign-in', () => {
    const start = 1_000_000;
    expect(sessionExpired({ createdAt: start, lastSeenAt: start }, LIMITS, start + 29 * 60_000)).toBe(false);
    expect(sessionExpired({ createdAt: start, lastSeenAt: start }, LIMITS, start + 30 * 60_000)).toBe(true);
    const busy = start + 12 * 3_600_000 - 1000;
    expect(sessionExpired({ createdAt: start, lastSeenAt: busy }, LIMITS, busy + 999)).toBe(false);
    expect(sessionExpired({ createdAt: start, lastSeenAt: busy }, LIMITS, busy + 1000)).toBe(true);
  });

  it('writes last-seen at most once a minute, more often for short idle limits', () => {
    expect(sessionNeedsTouch(0, LIMITS, 59_999)).toBe(false);
    expect(sessionNeedsTouch(0, LIMITS, 60_000)).toBe(true);
    const tiny = sessionLimits({ idleMinutes: 0.05, absoluteHours: 1 });
    expect(sessionNeedsTouch(0, tiny, 299)).toBe(false);
    expect(sessionNeedsTouch(0, tiny, 300)).toBe(true);
  });
});
