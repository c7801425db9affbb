import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import {
  addAlertSuppressed,
  channelsWithPendingAlerts,
  countAlertsByState,
  dueAlerts,
  getAlert,
  getAlertRepeat,
  insertAlert,
  markAlertFailed,
  markAlertRaised,
  markAlertSent,
  pruneAlerts,
} from './alerts.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alert rows', () => {
  it('are due per channel in order, retried after the delay, dead after maxAttempts, kept across a reopen', () => {
    const a = insertAlert(db, { channel: 'hook', event: 'disk.low', payload: { n: 1 } }, 1000);
    const b = insertAlert(db, { channel: 'hook', event: 'disk.recovered', payload: { n: 2 } }, 1001);
    insertAlert(db, { channel: 'mail', event: 'disk.low', payload: { n: 1 } }, 1000);
    expect(dueAlerts(db, 'hook', 1001, 10).map((r) => r.id)).toEqual([a, b]);
    expect(JSON.parse(getAlert(db, a)!.payloadJson)).toEqual({ n: 1 });
    expect(channelsWithPendingAlerts(db).sort()).toEqual(['hook', 'mail']);

    const retry = (n: number) => n * 100;
    expect(markAlertFailed(db, a, { now: 2000, error: 'HTTP 500', maxAttempts: 2, retryDelayMs: retry })).toBe('pending');
    expect(getAlert(db, a)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: 2100, lastError: 'HTTP 500' });
    expect(dueAlerts(db, 'hook', 2099, 10).map((r) => r.id)).toEqual([b]);
    expect(markAlertFailed(db, a, { now: 2100, error: 'HTTP 502', maxAttempts: 2, retryDelayMs: retry })).toBe('dead');
    markAlertSent(db, b, 2200);
    expect(getAlert(db, b)).toMatchObject({ state: 'sent', attempts: 1, sentAt: 2200 });
    expect(dueAlerts(db, 'hook', 10_000, 10)).toEqual([]);
    expect(countAlertsByState(db)).toEqual({ pending: 1, sent: 1, dead: 1 });

    db.close();
    db = openDatabase(join(dir, 'node.sqlite'));
    expect(dueAlerts(db, 'mail', 1000, 10)).toHaveLength(1);
  });

  it('keeps when each repeat key was raised and how many raises were held back since', () => {
    expect(getAlertRepeat(db, 'disk.low:data volume')).toBeUndefined();
    markAlertRaised(db, 'disk.low:data volume', 1000);
    addAlertSuppressed(db, 'disk.low:data volume', 3);
    addAlertSuppressed(db, 'disk.low:data volume', 1);
    expect(getAlertRepeat(db, 'disk.low:data volume')).toEqual({ lastRaisedAt: 1000, suppressed: 4 });
    markAlertRaised(db, 'disk.low:data volume', 5000);
    expect(getAlertRepeat(db, 'disk.low:data volume')).toEqual({ lastRaisedAt: 5000, suppressed: 0 });
  });

  it('prunes sent and dead alerts older than the cut, never pending ones', () => {
    const old = insertAlert(db, { channel: 'hook', event: 'disk.low', payload: {} }, 1000);
    const pending = insertAlert(db, { channel: 'hook', event: 'disk.low', payload: {} }, 1000);
    const recent = insertAlert(db, { channel: 'hook', event: 'disk.low', payload: {} }, 9000);
    markAlertSent(db, old, 1100);
    markAlertSent(db, recent, 9100);
    markAlertRaised(db, 'old', 1000);
    expect(pruneAlerts(db, 5000)).toBe(1);
    expect(getAlert(db, old)).toBeUndefined();
    expect(getAlert(db, pending)?.state).toBe('pending');
    expect(getAlert(db, recent)?.state).toBe('sent');
    expect(getAlertRepeat(db, 'old')).toBeUndefined();
  });
});
