import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { countQuarantine, deleteQuarantine, getQuarantine, insertQuarantine, listQuarantine } from './quarantine.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quar-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('quarantine repository', () => {
  it('records reason code, message and DIMSE status', () => {
    const id = insertQuarantine(db, {
      path: '/spool/quarantine/2026-01-01/x.dcm',
      size: 12,
      reasonCode: 'PACS_E_NOT_DICOM',
      reason: 'not a readable DICOM Part-10 object',
      dimseStatus: 0xc000,
      receivedAt: 10,
      callingAe: 'CT1',
    });
    expect(getQuarantine(db, id)).toEqual({
      id,
      associationId: null,
      callingAe: 'CT1',
      sopInstanceUid: null,
      path: '/spool/quarantine/2026-01-01/x.dcm',
      size: 12,
      reasonCode: 'PACS_E_NOT_DICOM',
      reason: 'not a readable DICOM Part-10 object',
      dimseStatus: 0xc000,
      receivedAt: 10,
      purgedAt: null,
    });
  });

  it('lists newest first, filters, counts and deletes', () => {
    const mk = (t: number, code: string) =>
      insertQuarantine(db, { path: `/q/${t}`, size: 1, reasonCode: code, reason: code, dimseStatus: 0xa900, receivedAt: t });
    mk(1, 'A');
    const b = mk(2, 'B');
    mk(3, 'A');
    expect(listQuarantine(db).map((q) => q.receivedAt)).toEqual([3, 2, 1]);
    expect(listQuarantine(db, { reasonCode: 'A' }).map((q) => q.receivedAt)).toEqual([3, 1]);
    expect(listQuarantine(db, { since: 2, limit: 1 }).map((q) => q.receivedAt)).toEqual([3]);
    expect(countQuarantine(db)).toBe(3);
    expect(countQuarantine(db, 3)).toBe(1);
    expect(deleteQuarantine(db, b)).toBe(true);
    expect(deleteQuarantine(db, b)).toBe(false);
    expect(countQuarantine(db)).toBe(2);
  });
});
