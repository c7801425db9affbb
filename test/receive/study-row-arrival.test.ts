import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DimseStatus } from '../../src/dicom/status.js';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import type { Db } from '../../src/provenance/database.js';
import { getStudy, searchStudies } from '../../src/provenance/studies.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Spool } from '../../src/spool/spool.js';
import { association, closeTempStore, editedFile, fixtures, openTempStore, storeRequest, uidsOf } from './receive-fixtures.js';

let dir: string;
let db: Db;
let spool: Spool;

beforeEach(async () => ({ dir, db, spool } = await openTempStore('study-row-')));
afterEach(() => closeTempStore({ dir, db }));

const receive = (bytes: Buffer) =>
  new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES }).onStore(storeRequest(bytes, association()));

describe('the study row of a received instance', () => {
  it('holds the patient and study attributes of the object (CT_small) and its modality', async () => {
    const bytes = fixtures.ctSmall();
    expect(await receive(bytes)).toBe(DimseStatus.Success);
    expect(getStudy(db, uidsOf(bytes).study)).toMatchObject({
      patientName: 'CompressedSamples^CT1',
      patientId: '1CT1',
      patientBirthDate: null,
      accessionNumber: null,
      studyDate: '20040119',
      studyTime: '072730',
      studyDescription: 'e+1',
      referringPhysicianName: null,
      modalities: ['CT'],
      seriesCount: 1,
      instanceCount: 1,
    });
    expect(searchStudies(db, { patientName: 'compressedsamples*', modality: 'CT' }).map((s) => s.studyUid)).toEqual([uidsOf(bytes).study]);
  });

  it('takes a corrected value from a later instance of the study and keeps what it leaves out', async () => {
    const first = fixtures.ctSmall();
    await receive(first);
    const corrected = editedFile('CT_small.dcm', (ds) => {
      ds.SOPInstanceUID = `${ds.SOPInstanceUID as string}.2`;
      ds.AccessionNumber = 'A-77';
      ds.PatientName = [{ Alphabetic: 'Müller^Jörg' }];
      delete ds.StudyDescription;
    });
    expect(await receive(corrected)).toBe(DimseStatus.Success);
    expect(getStudy(db, uidsOf(first).study)).toMatchObject({ patientName: 'Müller^Jörg', accessionNumber: 'A-77', studyDescription: 'e+1', instanceCount: 2 });
    expect(searchStudies(db, { patientName: 'MÜLL*', accessionNumber: 'A-77' })).toHaveLength(1);
  });
});
