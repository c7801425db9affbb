import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertOpenAssociation } from '../../provenance/associations.js';
import { openDatabase, type Db } from '../../provenance/database.js';
import { claimNextJob, createJob, heartbeatJob } from '../../provenance/jobs.js';
import { formatServerSentEvent, LIVE_ROWS, readLiveSnapshot } from './live-snapshot.js';

describe('formatServerSentEvent', () => {
  it('writes event, id and one data line, closed by a blank line', () => {
    expect(formatServerSentEvent('snapshot', { a: 1 }, 7)).toBe('id: 7\nevent: snapshot\ndata: {"a":1}\n\n');
    expect(formatServerSentEvent('x', 'two\nlines')).toBe('event: x\ndata: "two\\nlines"\n\n');
  });
});

describe('readLiveSnapshot over a real SQLite file', () => {
  let dir: string | undefined;
  let db: Db | undefined;
  afterEach(() => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts jobs and deliveries, and carries running and newest jobs with progress and the newest associations', () => {
    dir = mkdtempSync(join(tmpdir(), 'live-snapshot-'));
    db = openDatabase(join(dir, 'p.sqlite'));
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < LIVE_ROWS + 3; i++) {
      createJob(db, { seriesUid: `1.2.3.${i}`, studyUid: '1.2.3', ruleName: 'ct', action: { windows: ['lung'] } }, t0 + i);
      insertOpenAssociation(db, { id: `a-${i}`, listener: 'main', transport: 'dcmjs-dimse', callingAe: 'STORESCU', calledAe: 'UNIMIE', remoteHost: '127.0.0.1', startedAt: t0 + i });
    }
    const running = claimNextJob(db, 'test', Date.now())!;
    heartbeatJob(db, running.id, { window: 'lung', windowIndex: 0, windows: 1, slicesDone: 2, slices: 5, step: 3, steps: 4 });

    const s = readLiveSnapshot(db, 4);
    expect(s.jobs).toEqual({ pending: LIVE_ROWS + 2, running: 1 });
    expect(s.deliveries).toMatchObject({ pending: 0, dead: 0 });
    expect(s.pendingSeries).toBe(4);
    expect(s.recentJobs).toHaveLength(LIVE_ROWS + 1); // the oldest job is running: it stays in view
    expect(s.recentJobs.map((j) => j.id)).toEqual([...s.recentJobs.map((j) => j.id)].sort((a, b) => b - a));
    expect(s.recentAssociations).toHaveLength(LIVE_ROWS);
    expect(s.recentAssociations[0]!.id).toBe(`a-${LIVE_ROWS + 2}`);
    const job = s.recentJobs.find((j) => j.id === running.id);
    expect(job?.progress).toEqual({ window: 'lung', windowIndex: 0, windows: 1, slicesDone: 2, slices: 5, step: 3, steps: 4 });
    // Same database, same snapshot: the event stream sends only on change.
    expect(JSON.stringify(readLiveSnapshot(db, 4))).toBe(JSON.stringify(s));
  });
});
