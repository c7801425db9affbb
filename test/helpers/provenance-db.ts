import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import type { NewInstance } from '../../src/provenance/instances.js';

/** A fresh SQLite provenance database (real file, migrations applied) for each test; returns its getter. */
export function useTempDb(prefix: string): () => Db {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    db = openDatabase(join(dir, 'node.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => db;
}

/** An `instances` row of series 1.2.3 (CT, Explicit VR LE) at /spool/<sop>.dcm. */
export const newInstance = (sop: string, over: Partial<NewInstance> = {}): NewInstance => ({
  sopInstanceUid: sop,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  seriesUid: '1.2.3',
  studyUid: '1.2',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  path: `/spool/${sop}.dcm`,
  size: 100,
  sha256: `sha-${sop}`,
  receivedAt: 1000,
  status: 'stored',
  ...over,
});
