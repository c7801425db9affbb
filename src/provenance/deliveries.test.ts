import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import {
  claimDueDeliveries,
  countDeliveriesByState,
  discardDelivery,
  enqueueDelivery,
  getDelivery,
  listDeliveries,
  markDeliveryDone,
  markDeliveryFailed,
  requeueDelivery,
  resetInterruptedDeliveries,
} from './deliveries.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deliveries-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const d = (sop: string, destination = 'pacs') => ({
  destination,
  sopInstanceUid: sop,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  seriesUid: '1.2.3',
  path: `/spool/${sop}.dcm`,
});

const fail = (now: number, permanent = false, maxAttempts = 3) => ({
  now,
  error: 'refused',
  permanent,
  maxAttempts,
  retryDelayMs: (a: number) => 1000 * a,
});

describe('delivery queue', () => {
  it('enqueue is idempotent per destination and SOP Instance UID', () => {
    const a = enqueueDelivery(db, d('1.1'), 100);
    expect(a.created).toBe(true);
    expect(a.delivery).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 100 });
    const again = enqueueDelivery(db, d('1.1'), 200);
    expect(again.created).toBe(false);
    expect(again.delivery.id).toBe(a.delivery.id);
    expect(enqueueDelivery(db, d('1.1', 'other'), 200).created).toBe(true);
    expect(listDeliveries(db)).toHaveLength(2);
  });

  it('a pending row takes the newer path; a done row is left alone', () => {
    const { delivery } = enqueueDelivery(db, d('1.1'), 100);
    enqueueDelivery(db, { ...d('1.1'), path: '/spool/new.dcm' }, 150);
    expect(getDelivery(db, delivery.id)?.path).toBe('/spool/new.dcm');
    claimDueDeliveries(db, { now: 200, limit: 10 });
    markDeliveryDone(db, delivery.id, { now: 210 });
    const again = enqueueDelivery(db, { ...d('1.1'), path: '/spool/newer.dcm' }, 300);
    expect(again.delivery).toMatchObject({ state: 'done', path: '/spool/new.dcm', deliveredAt: 210 });
    expect(claimDueDeliveries(db, { now: 400, limit: 10 })).toHaveLength(0);
  });

  it('claims due rows once, oldest first, only for the given destinations', () => {
    enqueueDelivery(db, d('1.1'), 100);
    enqueueDelivery(db, d('1.2'), 50);
    enqueueDelivery(db, d('1.3', 'folder'), 10);
    const claimed = claimDueDeliveries(db, { now: 200, limit: 10, destinations: ['pacs'] });
    expect(claimed.map((r) => r.sopInstanceUid)).toEqual(['1.2', '1.1']);
    expect(claimed.every((r) => r.state === 'sending')).toBe(true);
    expect(claimDueDeliveries(db, { now: 200, limit: 10, destinations: ['pacs'] })).toHaveLength(0);
    expect(claimDueDeliveries(db, { now: 200, limit: 10, destinations: [] })).toHaveLength(0);
    expect(claimDueDeliveries(db, { now: 5, limit: 10 })).toHaveLength(0);
    expect(claimDueDeliveries(db, { now: 200, limit: 10 })).toHaveLength(1);
  });

  it('a failure goes back to pending with backoff, then dead after maxAttempts', () => {
    const { delivery } = enqueueDelivery(db, d('1.1'), 0);
    claimDueDeliveries(db, { now: 0, limit: 1 });
    expect(markDeliveryFailed(db, delivery.id, fail(10))).toBe('pending');
    expect(getDelivery(db, delivery.id)).toMatchObject({ attempts: 1, nextAttemptAt: 1010, lastError: 'refused' });
    expect(claimDueDeliveries(db, { now: 1009, limit: 1 })).toHaveLength(0);
    claimDueDeliveries(db, { now: 1010, limit: 1 });
    expect(markDeliveryFailed(db, delivery.id, { ...fail(1010), status: 0xa700 })).toBe('pending');
    expect(getDelivery(db, delivery.id)).toMatchObject({ attempts: 2, nextAttemptAt: 3010, lastStatus: 0xa700 });
    claimDueDeliveries(db, { now: 3010, limit: 1 });
    expect(markDeliveryFailed(db, delivery.id, fail(3010))).toBe('dead');
    expect(getDelivery(db, delivery.id)).toMatchObject({ state: 'dead', attempts: 3 });
    expect(claimDueDeliveries(db, { now: 1e9, limit: 1 })).toHaveLength(0);
  });

  it('a permanent failure is dead at once; only sending rows can be marked', () => {
    const { delivery } = enqueueDelivery(db, d('1.1'), 0);
    expect(markDeliveryFailed(db, delivery.id, fail(1, true))).toBeUndefined();
    expect(markDeliveryDone(db, delivery.id, { now: 1 })).toBe(false);
    claimDueDeliveries(db, { now: 0, limit: 1 });
    expect(markDeliveryFailed(db, delivery.id, fail(1, true))).toBe('dead');
  });

  it('requeue brings a dead row back with a fresh budget; discard ends it', () => {
    const { delivery } = enqueueDelivery(db, d('1.1'), 0);
    expect(requeueDelivery(db, delivery.id, 5)).toBe(false);
    claimDueDeliveries(db, { now: 0, limit: 1 });
    markDeliveryFailed(db, delivery.id, fail(1, true));
    expect(requeueDelivery(db, delivery.id, 50)).toBe(true);
    expect(getDelivery(db, delivery.id)).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 50 });
    expect(discardDelivery(db, delivery.id, 60)).toBe(true);
    expect(getDelivery(db, delivery.id)?.state).toBe('discarded');
    expect(requeueDelivery(db, delivery.id, 70)).toBe(false);
    expect(enqueueDelivery(db, d('1.1'), 80).delivery.state).toBe('discarded');
  });

  it('start-up recovery returns sending rows to pending; counts by state', () => {
    enqueueDelivery(db, d('1.1'), 0);
    enqueueDelivery(db, d('1.2'), 0);
    enqueueDelivery(db, d('1.3'), 0);
    const [first] = claimDueDeliveries(db, { now: 0, limit: 2 });
    markDeliveryDone(db, first.id, { now: 1 });
    expect(countDeliveriesByState(db)).toMatchObject({ pending: 1, sending: 1, done: 1 });
    expect(resetInterruptedDeliveries(db, 100)).toBe(1);
    expect(countDeliveriesByState(db, 'pacs')).toMatchObject({ pending: 2, sending: 0, done: 1 });
    expect(listDeliveries(db, { state: 'pending' }).map((r) => r.sopInstanceUid)).toEqual(['1.2', '1.3']);
  });
});
