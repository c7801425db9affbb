import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { writePart10 } from '../../src/dicom/part10.js';
import { DimseStatus } from '../../src/dicom/status.js';
import { NATIVE_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import type { Db } from '../../src/provenance/database.js';
import { listBySeries } from '../../src/provenance/instances.js';
import { createJob, seriesAwaitingJobs } from '../../src/provenance/jobs.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Spool } from '../../src/spool/spool.js';
import { association, closeTempStore, openTempStore, storeRequest } from './receive-fixtures.js';

let dir: string;
let db: Db;
let spool: Spool;

beforeEach(async () => {
  ({ dir, db, spool } = await openTempStore('arrival-after-job-'));
});

afterEach(() => closeTempStore({ dir, db }));

/**
 * Found by the crash torture (a derived series one slice short at the PACS): the series' quiet
 * period ran out while its last slice was being written (slow fsync), so the job was created and
 * listed the slices before that slice was committed. The live process reopens the series for the
 * late slice; a crash before that job exists must not lose it: after the restart the series has
 * to count as received after its last job.
 */
describe('an instance committed after its series job was created', () => {
  it('leaves the series awaiting a job after a restart, even though its ingest began before the job', async () => {
    let clock = 1_000_000;
    const receiver = new InstanceReceiver({ db, spool, log: silentLogger, onStored: () => undefined, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, now: () => clock });
    const series = createPhantomSeries({ slices: 3, rows: 8, columns: 8, seed: 1 });
    const slice = (i: number) => Buffer.from(writePart10(phantomSliceDataset(series, i)));
    const assoc = association();
    for (const i of [0, 1]) expect(await receiver.onStore(storeRequest(slice(i), assoc))).toBe(DimseStatus.Success);

    clock += 1900; // the third slice comes in 1.9 s later…
    const third = receiver.onStore(storeRequest(slice(2), assoc));
    clock += 200; // …and while its bytes are being made durable, the 2 s quiet period ends:
    createJob(db, { seriesUid: series.SeriesInstanceUID, studyUid: series.StudyInstanceUID, ruleName: 'ct', action: {} }, clock);
    const seenByJob = listBySeries(db, series.SeriesInstanceUID, 'stored').length;
    clock += 50;
    expect(await third).toBe(DimseStatus.Success);

    expect(seenByJob).toBe(2);
    expect(listBySeries(db, series.SeriesInstanceUID, 'stored')).toHaveLength(3);
    // The node dies now, before the late slice's own job: recovery must find the series again.
    expect(seriesAwaitingJobs(db).map((s) => s.seriesUid)).toEqual([series.SeriesInstanceUID]);
  });

  it('counts a job created in the same millisecond as the commit as not covering it (a harmless re-run at worst)', async () => {
    const clock = 2_000_000;
    const receiver = new InstanceReceiver({ db, spool, log: silentLogger, onStored: () => undefined, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, now: () => clock });
    const series = createPhantomSeries({ slices: 1, rows: 8, columns: 8, seed: 2 });
    createJob(db, { seriesUid: series.SeriesInstanceUID, studyUid: series.StudyInstanceUID, ruleName: 'ct', action: {} }, clock);
    expect(await receiver.onStore(storeRequest(Buffer.from(writePart10(phantomSliceDataset(series, 0))), association()))).toBe(DimseStatus.Success);
    expect(seriesAwaitingJobs(db).map((s) => s.seriesUid)).toEqual([series.SeriesInstanceUID]);
  });

  it('does not route a series again when its last job came after its last arrival', async () => {
    let clock = 3_000_000;
    const receiver = new InstanceReceiver({ db, spool, log: silentLogger, onStored: () => undefined, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, now: () => clock });
    const series = createPhantomSeries({ slices: 1, rows: 8, columns: 8, seed: 3 });
    expect(await receiver.onStore(storeRequest(Buffer.from(writePart10(phantomSliceDataset(series, 0))), association()))).toBe(DimseStatus.Success);
    clock += 2000;
    createJob(db, { seriesUid: series.SeriesInstanceUID, studyUid: series.StudyInstanceUID, ruleName: 'ct', action: {} }, clock);
    expect(seriesAwaitingJobs(db)).toEqual([]);
  });
});
