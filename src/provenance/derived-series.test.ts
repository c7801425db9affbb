import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import {
  getDerivedSeries,
  isDerivedSeries,
  listDerivedSeriesByJob,
  listDerivedSeriesBySource,
  registerDerivedSeries,
} from './derived-series.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'derived-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function insertJob(id: number): void {
  db.prepare(
    `INSERT INTO jobs (id, series_uid, study_uid, rule_name, action_json, state, next_run_at, created_at, updated_at)
     VALUES (?, 'src', 'st', 'r', '{}', 'pending', 0, 0, 0)`,
  ).run(id);
}

describe('derived series registry', () => {
  it('registers a series and recognises it', () => {
    insertJob(1);
    expect(isDerivedSeries(db, '2.25.1')).toBe(false);
    expect(
      registerDerivedSeries(db, {
        seriesUid: '2.25.1',
        sourceSeriesUid: 'src',
        studyUid: 'st',
        jobId: 1,
        outputKind: 'sc-rgb',
        seriesNumber: 1001,
        description: 'UniMIE soft tissue',
        createdAt: 50,
      }),
    ).toBe(true);
    expect(isDerivedSeries(db, '2.25.1')).toBe(true);
    expect(getDerivedSeries(db, '2.25.1')).toEqual({
      seriesUid: '2.25.1',
      sourceSeriesUid: 'src',
      studyUid: 'st',
      jobId: 1,
      outputKind: 'sc-rgb',
      seriesNumber: 1001,
      description: 'UniMIE soft tissue',
      createdAt: 50,
      purgedAt: null,
    });
  });

  it('a re-run registers the same UID again: newest job, first creation time', () => {
    insertJob(1);
    insertJob(2);
    const s = { seriesUid: '2.25.7', sourceSeriesUid: 'src', studyUid: 'st', outputKind: 'sc-rgb' };
    registerDerivedSeries(db, { ...s, jobId: 1, createdAt: 10 });
    expect(registerDerivedSeries(db, { ...s, jobId: 2, createdAt: 20 })).toBe(false);
    expect(getDerivedSeries(db, '2.25.7')).toMatchObject({ jobId: 2, createdAt: 10 });
    expect(listDerivedSeriesByJob(db, 1)).toEqual([]);
    expect(listDerivedSeriesByJob(db, 2).map((d) => d.seriesUid)).toEqual(['2.25.7']);
  });

  it('lists the series derived from a source', () => {
    registerDerivedSeries(db, { seriesUid: '2.25.2', sourceSeriesUid: 'a', studyUid: 'st', outputKind: 'k', createdAt: 2 });
    registerDerivedSeries(db, { seriesUid: '2.25.1', sourceSeriesUid: 'a', studyUid: 'st', outputKind: 'k', createdAt: 1 });
    registerDerivedSeries(db, { seriesUid: '2.25.3', sourceSeriesUid: 'b', studyUid: 'st', outputKind: 'k', createdAt: 1 });
    expect(listDerivedSeriesBySource(db, 'a').map((d) => d.seriesUid)).toEqual(['2.25.1', '2.25.2']);
  });
});
