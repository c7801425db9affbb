import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closeAssociation,
  closeInterruptedAssociations,
  countAssociationFailure,
  countAssociationInstance,
  ensureAssociation,
  getAssociation,
  insertOpenAssociation,
  insertRejectedAssociation,
  listAssociations,
  type NewAssociation,
} from './associations.js';
import { openDatabase, type Db } from './database.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'assoc-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = (id: string, startedAt = 1000): NewAssociation => ({
  id,
  listener: 'main',
  transport: 'dcmjs-dimse',
  callingAe: 'MODALITY',
  calledAe: 'UNIMIE',
  remoteHost: '127.0.0.1',
  remotePort: 40000,
  tls: true,
  startedAt,
});

describe('associations repository', () => {
  it('records an open association, its counters and its release', () => {
    insertOpenAssociation(db, base('a1'));
    countAssociationInstance(db, 'a1', 500);
    countAssociationInstance(db, 'a1', 700);
    countAssociationFailure(db, 'a1', 30);
    expect(closeAssociation(db, 'a1', 'released', 2000)).toBe(true);
    expect(closeAssociation(db, 'a1', 'aborted', 3000)).toBe(false);
    expect(getAssociation(db, 'a1')).toEqual({
      ...base('a1'),
      remotePort: 40000,
      tls: true,
      endedAt: 2000,
      outcome: 'released',
      rejectReason: null,
      instancesReceived: 2,
      bytesReceived: 1230,
      failures: 1,
    });
  });

  it('records a rejection with its reason', () => {
    insertRejectedAssociation(db, base('r1'), 'calling AE title not allowed');
    const row = getAssociation(db, 'r1');
    expect(row?.outcome).toBe('rejected');
    expect(row?.rejectReason).toBe('calling AE title not allowed');
    expect(row?.endedAt).toBe(1000);
  });

  it('ensureAssociation does not overwrite an existing row', () => {
    insertOpenAssociation(db, base('a2'));
    countAssociationInstance(db, 'a2', 10);
    ensureAssociation(db, { ...base('a2'), callingAe: 'OTHER' });
    ensureAssociation(db, base('a3'));
    expect(getAssociation(db, 'a2')?.callingAe).toBe('MODALITY');
    expect(getAssociation(db, 'a2')?.instancesReceived).toBe(1);
    expect(getAssociation(db, 'a3')?.outcome).toBe('open');
  });

  it('closes associations left open by a dead process as errors', () => {
    insertOpenAssociation(db, base('o1'));
    insertOpenAssociation(db, base('o2'));
    insertOpenAssociation(db, base('o3'));
    closeAssociation(db, 'o3', 'error', 1500, 'socket reset');
    expect(closeInterruptedAssociations(db, 5000)).toBe(2);
    expect(getAssociation(db, 'o1')?.outcome).toBe('error');
    expect(getAssociation(db, 'o3')?.rejectReason).toBe('socket reset');
  });

  it('lists newest first with filters', () => {
    insertOpenAssociation(db, base('x1', 1));
    insertOpenAssociation(db, { ...base('x2', 2), callingAe: 'CT1' });
    insertRejectedAssociation(db, base('x3', 3), 'no');
    expect(listAssociations(db).map((a) => a.id)).toEqual(['x3', 'x2', 'x1']);
    expect(listAssociations(db, { outcome: 'rejected' }).map((a) => a.id)).toEqual(['x3']);
    expect(listAssociations(db, { callingAe: 'CT1' }).map((a) => a.id)).toEqual(['x2']);
    expect(listAssociations(db, { since: 2, limit: 1 }).map((a) => a.id)).toEqual(['x3']);
  });
});
