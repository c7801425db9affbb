import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssociationRequest } from '../net/types.js';
import { getAssociation, listAssociations } from '../provenance/associations.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { silentLogger } from '../shared/log.js';
import { AssociationRecorder } from './association-recorder.js';

let dir: string;
let db: Db;
let clock: number;
let recorder: AssociationRecorder;

const req = (id: string): AssociationRequest => ({
  id,
  callingAeTitle: 'CT1',
  calledAeTitle: 'UNIMIE',
  remoteAddress: '10.0.0.5',
  remotePort: 4100,
  tls: true,
  listener: 'main',
  proposedContexts: [],
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recorder-'));
  db = openDatabase(join(dir, 'node.sqlite'));
  clock = 1000;
  recorder = new AssociationRecorder({ db, log: silentLogger, transport: 'dcmjs-dimse', now: () => clock });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AssociationRecorder', () => {
  it('writes open → released', () => {
    recorder.onAssociationAccepted(req('a'));
    expect(getAssociation(db, 'a')).toMatchObject({ outcome: 'open', transport: 'dcmjs-dimse', tls: true, startedAt: 1000 });
    clock = 2500;
    recorder.onAssociationClosed(req('a'), 'released');
    expect(getAssociation(db, 'a')).toMatchObject({ outcome: 'released', endedAt: 2500, rejectReason: null });
  });

  it('records the error that ended an association', () => {
    recorder.onAssociationAccepted(req('b'));
    recorder.onAssociationClosed(req('b'), 'error', new Error('socket hang up'));
    expect(getAssociation(db, 'b')).toMatchObject({ outcome: 'error', rejectReason: 'socket hang up' });
  });

  it('writes a rejection with the A-ASSOCIATE-RJ reason', () => {
    recorder.onAssociationRejected(req('c'), { result: 1, source: 1, reason: 3, why: 'calling AE CT1 is not allowed' });
    expect(getAssociation(db, 'c')?.outcome).toBe('rejected');
    expect(getAssociation(db, 'c')?.rejectReason).toBe('calling AE CT1 is not allowed (A-ASSOCIATE-RJ result 1, source 1, reason 3: rejected-permanent, service-user, calling-AE-title-not-recognized)');
  });

  it('records a close without an accept, and never throws on a duplicate accept', () => {
    recorder.onAssociationClosed(req('d'), 'aborted');
    expect(getAssociation(db, 'd')?.outcome).toBe('aborted');
    recorder.onAssociationAccepted(req('e'));
    expect(() => recorder.onAssociationAccepted(req('e'))).not.toThrow();
    expect(listAssociations(db)).toHaveLength(2);
  });

  it('closes associations a dead process left open', () => {
    recorder.onAssociationAccepted(req('f'));
    clock = 9000;
    expect(recorder.recoverInterrupted()).toBe(1);
    expect(getAssociation(db, 'f')).toMatchObject({ outcome: 'error', endedAt: 9000 });
  });
});
