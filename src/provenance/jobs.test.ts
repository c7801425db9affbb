import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import {
  cancelJob,
  claimNextJob,
  completeJob,
  createJob,
  failJob,
  getJob,
  isJobStillWanted,
  requeueJob,
  requeueOrphanedJobs,
} from './jobs.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const job = { seriesUid: '1.2.3', studyUid: '1.2', ruleName: 'ct', action: { windows: ['lung'] } };

describe('job state machine', () => {
  it('claims due jobs once, oldest first, and not before their run time', () => {
    const a = createJob(db, { ...job, seriesUid: '1.2.3.1' }, 1000);
    createJob(db, { ...job, seriesUid: '1.2.3.2', runAt: 5000 }, 1000);
    const claimed = claimNextJob(db, 'w1', 2000);
    expect(claimed?.id).toBe(a.id);
    expect(claimed?.state).toBe('running');
    expect(claimed?.attempts).toBe(1);
    expect(claimNextJob(db, 'w1', 2000)).toBeUndefined();
    expect(claimNextJob(db, 'w1', 5000)?.series_uid).toBe('1.2.3.2');
  });

  it('retries a retryable failure until max attempts, then goes dead', () => {
    const j = createJob(db, { ...job, maxAttempts: 2 }, 0);
    claimNextJob(db, 'w', 0);
    expect(failJob(db, j.id, 'boom', { retryable: true, retryAt: 100 }, 10)).toBe('failed');
    expect(claimNextJob(db, 'w', 50)).toBeUndefined();
    expect(claimNextJob(db, 'w', 100)?.attempts).toBe(2);
    expect(failJob(db, j.id, 'boom again', { retryable: true, retryAt: 200 }, 110)).toBe('dead');
    expect(getJob(db, j.id)?.last_error).toBe('boom again');
    expect(requeueJob(db, j.id, 300)).toBe(true);
    expect(claimNextJob(db, 'w', 300)?.attempts).toBe(1);
    completeJob(db, j.id, 400);
    expect(getJob(db, j.id)?.state).toBe('done');
  });

  it('a permanent failure goes dead at once', () => {
    const j = createJob(db, job, 0);
    claimNextJob(db, 'w', 0);
    expect(failJob(db, j.id, 'bad input', { retryable: false, retryAt: 0 }, 1)).toBe('dead');
  });

  it('a late arrival supersedes a pending job of the same series and rule', () => {
    const first = createJob(db, job, 0);
    const second = createJob(db, job, 10);
    expect(getJob(db, first.id)?.state).toBe('superseded');
    expect(second.supersedes_job_id).toBe(first.id);
    expect(claimNextJob(db, 'w', 20)?.id).toBe(second.id);
  });

  it('a late arrival leaves a running job running: the newer job only links to it', () => {
    const first = createJob(db, job, 0);
    claimNextJob(db, 'w', 0);
    const second = createJob(db, job, 10);
    expect(getJob(db, first.id)?.state).toBe('running');
    expect(isJobStillWanted(db, first.id)).toBe(true);
    expect(second.supersedes_job_id).toBe(first.id);
    expect(second.state).toBe('pending');
  });

  it('start-up requeues jobs left running by a dead process', () => {
    const j = createJob(db, job, 0);
    claimNextJob(db, 'dead-process', 0);
    expect(requeueOrphanedJobs(db, 50)).toBe(1);
    expect(getJob(db, j.id)?.state).toBe('pending');
  });

  it('a cancelled running job is no longer wanted', () => {
    const j = createJob(db, job, 0);
    claimNextJob(db, 'w', 0);
    expect(isJobStillWanted(db, j.id)).toBe(true);
    expect(cancelJob(db, j.id)).toBe(true);
    expect(isJobStillWanted(db, j.id)).toBe(false);
  });
});
