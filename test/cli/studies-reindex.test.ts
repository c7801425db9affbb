import { execFile } from 'node:child_process';
import { rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reindexStudies } from '../../src/cli/studies-command.js';
import { loadConfig } from '../../src/config/load.js';
import { DimseStatus } from '../../src/dicom/status.js';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { findBySop } from '../../src/provenance/instances.js';
import { getStudy } from '../../src/provenance/studies.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { REPO, writeTestConfig } from '../e2e/node-harness.js';
import { association, fixtures, storeRequest, uidsOf } from '../receive/receive-fixtures.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';

/** Studies whose rows came from the migration (no patient attributes), as after an upgrade. */
function forgetAttributes(db: Db): void {
  db.exec('UPDATE studies SET patient_name = NULL, patient_name_key = NULL, patient_id = NULL, study_date = NULL, study_time = NULL, study_description = NULL');
}

describe('studies reindex', () => {
  let configDir: string;
  let dataDir: string;
  let db: Db;

  beforeEach(async () => {
    configDir = writeTestConfig({ port: 11112, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: 11113 } });
    dataDir = loadConfig(configDir).node.dataDir;
    db = openDatabase(join(dataDir, 'provenance.sqlite'));
    const spool = new Spool(join(dataDir, 'spool'));
    await spool.init();
    const receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES });
    for (const bytes of [fixtures.ctSmall(), fixtures.mrSmall()]) expect(await receiver.onStore(storeRequest(bytes, association()))).toBe(DimseStatus.Success);
    forgetAttributes(db);
  });
  afterEach(() => {
    db.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('sets each study from one of its stored files, and counts a study whose file is gone', async () => {
    const ct = uidsOf(fixtures.ctSmall());
    const mr = uidsOf(fixtures.mrSmall());
    unlinkSync(findBySop(db, mr.sop)[0]!.path);
    expect(await reindexStudies(db)).toEqual({ studies: 2, updated: 1, unreadable: 1 });
    expect(getStudy(db, ct.study)).toMatchObject({ patientName: 'CompressedSamples^CT1', patientId: '1CT1', studyDate: '20040119', studyDescription: 'e+1' });
    expect(getStudy(db, mr.study)).toMatchObject({ patientName: null, modalities: ['MR'] });
  });

  it('runs from the command line and says what it did, without patient data', async () => {
    const run = await new Promise<{ rc: number; out: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'studies', 'reindex'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
      ),
    );
    expect(run.rc, run.out).toBe(0);
    expect(run.out).toContain('2 of 2 studies set from a stored file; 0 unreadable');
    expect(run.out).not.toMatch(/CompressedSamples|1CT1|4MR1/);
    expect(getStudy(db, uidsOf(fixtures.mrSmall()).study)).toMatchObject({ patientName: 'CompressedSamples^MR1', patientId: '4MR1' });
  });
});
