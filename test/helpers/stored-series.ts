import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels } from '../../src/dicom/transfer-syntax.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';

/** A temp data folder (real SQLite file and spool) holding one received series. */
export interface StoredSeries {
  dir: string;
  db: Db;
  spool: Spool;
  seriesUid: string;
  studyUid: string;
}

/** Receives `files` (one series) into a fresh temp data folder, each expected to be stored. */
export async function storeSeries(
  prefix: string,
  files: readonly string[],
  decodableTransferSyntaxes: readonly string[] = ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels),
): Promise<StoredSeries> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const db = openDatabase(join(dir, 'p.sqlite'));
  const spool = new Spool(join(dir, 'spool'));
  await spool.init();
  const receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes });
  for (const f of files) expect((await receiver.ingest({ bytes: readFileSync(f), callingAe: 'SCU', calledAe: 'UNIMIE' })).outcome).toBe('stored');
  const first = readPart10(readFileSync(files[0]!)).dataset;
  return { dir, db, spool, seriesUid: String(first.SeriesInstanceUID), studyUid: String(first.StudyInstanceUID) };
}

export function removeStoredSeries(s: StoredSeries | undefined): void {
  if (!s) return;
  s.db.close();
  rmSync(s.dir, { recursive: true, force: true });
}
