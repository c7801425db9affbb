import type { AlertRepeat } from '../provenance/alerts.js';

export type RepeatDecision = { send: true; suppressedBefore: number } | { send: false };

/**
 * Whether an alert goes out now: the first raise of its key does, and so does the first one after
 * `repeatMs` since the last that went out; those in between are held back and counted, and the
 * next alert that goes out says how many were (so a flapping disk sends one mail per window, not
 * a thousand). `repeatMs` 0 sends every raise.
 */
export function repeatDecision(last: AlertRepeat | undefined, now: number, repeatMs: number): RepeatDecision {
  if (!last || repeatMs <= 0 || now - last.lastRaisedAt >= repeatMs || now < last.lastRaisedAt) {
    return { send: true, suppressedBefore: last?.suppressed ?? 0 };
  }
  return { send: false };
}
