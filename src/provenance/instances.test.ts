import { beforeEach, describe, expect, it } from 'vitest';
import { newInstance, useTempDb } from '../../test/helpers/provenance-db.js';
import type { Db } from './database.js';
import {
  countBySeries,
  findBySop,
  findCurrentBySop,
  getInstance,
  insertInstance,
  listBySeries,
  setInstanceStatus,
} from './instances.js';
import { getSeries, listSeries, recordSeriesArrival } from './series.js';

const getDb = useTempDb('inst');
const inst = newInstance;
let db: Db;
beforeEach(() => (db = getDb()));

describe('instances repository', () => {
  it('inserts and reads back a row', () => {
    const id = insertInstance(db, inst('1.2.3.1', { instanceNumber: 4 }));
    expect(getInstance(db, id)).toMatchObject({
      id,
      sopInstanceUid: '1.2.3.1',
      instanceNumber: 4,
      status: 'stored',
      statusReason: null,
      associationId: null,
    });
  });

  it('refuses the same SOP UID with the same bytes twice', () => {
    insertInstance(db, inst('1.2.3.1'));
    expect(() => insertInstance(db, inst('1.2.3.1'))).toThrow(/UNIQUE/);
  });

  it('lists a series in slice order: Instance Number, then SOP UID, unnumbered last', () => {
    insertInstance(db, inst('1.2.3.9', { instanceNumber: 2 }));
    insertInstance(db, inst('1.2.3.5', { instanceNumber: 10 }));
    insertInstance(db, inst('1.2.3.7'));
    insertInstance(db, inst('1.2.3.1', { instanceNumber: 2 }));
    insertInstance(db, inst('1.2.3.8', { instanceNumber: 1, status: 'unprocessable' }));
    insertInstance(db, inst('9.9', { seriesUid: 'other', instanceNumber: 0 }));
    expect(listBySeries(db, '1.2.3').map((r) => r.sopInstanceUid)).toEqual(['1.2.3.1', '1.2.3.9', '1.2.3.5', '1.2.3.7']);
    expect(listBySeries(db, '1.2.3', 'unprocessable').map((r) => r.sopInstanceUid)).toEqual(['1.2.3.8']);
    expect(countBySeries(db, '1.2.3')).toBe(5);
    expect(countBySeries(db, '1.2.3', 'stored')).toBe(4);
  });

  it('keeps every copy of a re-sent UID and finds the current one', () => {
    const old = insertInstance(db, inst('1.2.3.1', { sha256: 'a', receivedAt: 1 }));
    const now = insertInstance(db, inst('1.2.3.1', { sha256: 'b', receivedAt: 2 }));
    setInstanceStatus(db, old, 'replaced', `replaced by instance ${now}`);
    expect(findBySop(db, '1.2.3.1').map((r) => [r.id, r.status])).toEqual([
      [now, 'stored'],
      [old, 'replaced'],
    ]);
    expect(findCurrentBySop(db, '1.2.3.1')?.id).toBe(now);
    expect(countBySeries(db, '1.2.3')).toBe(1);
    expect(findCurrentBySop(db, 'nope')).toBeUndefined();
  });
});

describe('series repository', () => {
  it('upserts on arrival with first/last times and a count of current instances', () => {
    insertInstance(db, inst('1.2.3.1'));
    recordSeriesArrival(db, { seriesUid: '1.2.3', studyUid: '1.2', modality: 'CT', callingAe: 'CT1', receivedAt: 1000 });
    const second = insertInstance(db, inst('1.2.3.2'));
    recordSeriesArrival(db, { seriesUid: '1.2.3', studyUid: '1.2', description: 'Head', receivedAt: 3000 });
    expect(getSeries(db, '1.2.3')).toEqual({
      seriesUid: '1.2.3',
      studyUid: '1.2',
      modality: 'CT',
      description: 'Head',
      callingAe: 'CT1',
      calledAe: null,
      ownOutput: false,
      firstReceivedAt: 1000,
      lastReceivedAt: 3000,
      instanceCount: 2,
    });
    setInstanceStatus(db, second, 'replaced');
    recordSeriesArrival(db, { seriesUid: '1.2.3', studyUid: '1.2', ownOutput: true, receivedAt: 2000 });
    const s = getSeries(db, '1.2.3');
    expect(s?.instanceCount).toBe(1);
    expect(s?.lastReceivedAt).toBe(3000);
    expect(s?.ownOutput).toBe(true);
  });

  it('lists by study and quiet period', () => {
    recordSeriesArrival(db, { seriesUid: 's1', studyUid: 'st1', receivedAt: 100 });
    recordSeriesArrival(db, { seriesUid: 's2', studyUid: 'st1', receivedAt: 500 });
    recordSeriesArrival(db, { seriesUid: 's3', studyUid: 'st2', receivedAt: 900, ownOutput: true });
    expect(listSeries(db).map((s) => s.seriesUid)).toEqual(['s3', 's2', 's1']);
    expect(listSeries(db, { studyUid: 'st1' }).map((s) => s.seriesUid)).toEqual(['s2', 's1']);
    expect(listSeries(db, { lastReceivedBefore: 500 }).map((s) => s.seriesUid)).toEqual(['s2', 's1']);
    expect(listSeries(db, { lastReceivedAfter: 200, ownOutput: false }).map((s) => s.seriesUid)).toEqual(['s2']);
    expect(getSeries(db, 'missing')).toBeUndefined();
  });
});
