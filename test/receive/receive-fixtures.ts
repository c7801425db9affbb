import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPart10, writePart10, type Dataset } from '../../src/dicom/part10.js';
import type { AssociationRequest, StoreRequest } from '../../src/net/types.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { Spool } from '../../src/spool/spool.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

/** pydicom's test files (Debian package python3-pydicom). */
export const PYDICOM_FILES = pydicomData('test_files');

export function pydicomFile(name: string): Buffer {
  return readFileSync(join(PYDICOM_FILES, name));
}

/** A real file re-encoded by dcmjs after `edit` changed its data set (pixel data included). */
export function editedFile(name: string, edit: (ds: Dataset) => void): Buffer {
  const file = readPart10(pydicomFile(name));
  const ds = { ...file.dataset };
  edit(ds);
  return writePart10(ds, { transferSyntaxUid: file.transferSyntaxUid });
}

/** The header facts a test asserts on. */
export function uidsOf(bytes: Uint8Array): { sop: string; sopClass: string; series: string; study: string } {
  const ds = readPart10(bytes, { untilPixelData: true }).dataset;
  return {
    sop: ds.SOPInstanceUID as string,
    sopClass: ds.SOPClassUID as string,
    series: ds.SeriesInstanceUID as string,
    study: ds.StudyInstanceUID as string,
  };
}

export const fixtures = {
  ctSmall: () => pydicomFile('CT_small.dcm'),
  mrSmall: () => pydicomFile('MR_small.dcm'),
  mrTruncated: () => pydicomFile('MR_truncated.dcm'),
  noMeta: () => pydicomFile('no_meta.dcm'),
  jpeg2000: () => pydicomFile('JPEG2000.dcm'),
  randomBytes: () => randomBytes(4096),
  /** CT_small without (0020,000E) Series Instance UID. */
  ctWithoutSeriesUid: () =>
    editedFile('CT_small.dcm', (ds) => {
      delete ds.SeriesInstanceUID;
    }),
  /** MR_small whose Pixel Data element is consistently encoded but holds half the bytes. */
  mrPixelDataCut: () =>
    editedFile('MR_small.dcm', (ds) => {
      const pd = (ds.PixelData as ArrayBuffer[])[0];
      ds.PixelData = [pd.slice(0, pd.byteLength / 2)];
    }),
  /** MR_small with the same SOP Instance UID and other bytes (a corrected re-send). */
  mrSmallEdited: (comment = 'corrected') =>
    editedFile('MR_small.dcm', (ds) => {
      ds.ImageComments = comment;
    }),
};

let assocCounter = 0;

export function association(over: Partial<AssociationRequest> = {}): AssociationRequest {
  assocCounter++;
  return {
    id: `assoc-${process.pid}-${assocCounter}`,
    callingAeTitle: 'MODALITY',
    calledAeTitle: 'UNIMIE',
    remoteAddress: '127.0.0.1',
    remotePort: 50000 + assocCounter,
    tls: false,
    listener: 'main',
    proposedContexts: [],
    ...over,
  };
}

/** A C-STORE request as a transport hands it over; UIDs default to the ones in the bytes. */
export function storeRequest(bytes: Buffer, assoc: AssociationRequest, over: Partial<StoreRequest> = {}): StoreRequest {
  let uids = { sop: '1.2.3.4', sopClass: '1.2.840.10008.5.1.4.1.1.7' };
  let ts = '1.2.840.10008.1.2.1';
  try {
    const f = readPart10(bytes, { untilPixelData: true });
    uids = { sop: String(f.dataset.SOPInstanceUID ?? uids.sop), sopClass: String(f.dataset.SOPClassUID ?? uids.sopClass) };
    ts = f.transferSyntaxUid;
  } catch {
    // Not DICOM: the command still names some UIDs.
  }
  return {
    association: assoc,
    sopClassUid: uids.sopClass,
    sopInstanceUid: uids.sop,
    transferSyntaxUid: ts,
    bytes,
    ...over,
  };
}

/** A fresh provenance database and spool in a temp folder (one per test). */
export async function openTempStore(prefix: string): Promise<{ dir: string; db: Db; spool: Spool }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, 'node.sqlite'));
  const spool = new Spool(join(dir, 'spool'));
  await spool.init();
  return { dir, db, spool };
}

/** Closes the database and removes the folder of openTempStore. */
export async function closeTempStore(store: { dir: string; db: Db }): Promise<void> {
  store.db.close();
  await rm(store.dir, { recursive: true, force: true });
}
