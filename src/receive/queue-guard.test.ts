import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../provenance/database.js';
import { enqueueDelivery, markDeliveryDone, claimDueDeliveries } from '../provenance/deliveries.js';
import { createJob } from '../provenance/jobs.js';
import { QueueGuard, queueDepth } from './queue-guard.js';

describe('QueueGuard', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'queue-guard-'));
    db = openDatabase(join(dir, 'db.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts pending jobs and pending or sending deliveries, not finished ones', () => {
    createJob(db, { seriesUid: '1.2.1', studyUid: '1.2', ruleName: 'r', action: {} });
    const item = { path: '/x.dcm', sopClassUid: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxUid: '1.2.840.10008.1.2.1', destination: 'pacs', seriesUid: '1.2.9' };
    enqueueDelivery(db, { ...item, sopInstanceUid: '1.2.9.1' }, 0);
    enqueueDelivery(db, { ...item, sopInstanceUid: '1.2.9.2' }, 0);
    expect(queueDepth(db)).toBe(3);
    const [first] = claimDueDeliveries(db, { now: 1, limit: 1 });
    expect(queueDepth(db)).toBe(3); // sending still counts
    markDeliveryDone(db, first!.id, { now: 2, status: 0 });
    expect(queueDepth(db)).toBe(2);
  });

  it('is full at the limit, caches the count for its ttl, and follows a changed limit', () => {
    let t = 0;
    let max = 2;
    const g = new QueueGuard(db, () => max, 500, () => t);
    createJob(db, { seriesUid: '1.2.1', studyUid: '1.2', ruleName: 'r', action: {} });
    expect(g.full()).toBe(false);
    createJob(db, { seriesUid: '1.2.2', studyUid: '1.2', ruleName: 'r', action: {} });
    expect(g.full()).toBe(false); // cached
    t = 500;
    expect(g.full()).toBe(true);
    max = 3;
    expect(g.full()).toBe(false);
  });
});
