/** When a session ends: `idleMs` after its last request, `absoluteMs` after sign-in, whichever comes first. */
export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/** Whether a session created at `createdAt` and last used at `lastSeenAt` has ended by `now`. */
export function sessionExpired(s: { createdAt: number; lastSeenAt: number }, limits: SessionLimits, now: number): boolean {
  return now - s.lastSeenAt >= limits.idleMs || now - s.createdAt >= limits.absoluteMs;
}

/**
 * Whether to write a new `last_seen_at`: not on every request (a write each), but often enough that
 * the idle timeout is off by at most a tenth of itself (and a minute at most).
 */
export function sessionNeedsTouch(lastSeenAt: number, limits: SessionLimits, now: number): boolean {
  return now - lastSeenAt >= Math.min(60_000, limits.idleMs / 10);
}

export function sessionLimits(s: { idleMinutes: number; absoluteHours: number }): SessionLimits {
  return { idleMs: s.idleMinutes * 60_000, absoluteMs: s.absoluteHours * 3_600_000 };
}
