import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/export/delivery-worker.js';
import type { DicomwebExportDestination } from '../../src/export/destination.js';
import { echoDestination } from '../../src/export/echo-destination.js';
import { classifyOutcome } from '../../src/export/failure-class.js';
import type { Transport } from '../../src/export/transport.js';
import { createDicomwebTransport } from '../../src/export/transports/dicomweb.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { claimDueDeliveries, enqueueDelivery, findDelivery, resetInterruptedDeliveries } from '../../src/provenance/deliveries.js';
import { silentLogger } from '../../src/shared/log.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { TEST_FILES, itemFor } from './transport-conformance.js';

const CT5N = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
const CT = readdirSync(CT5N).map((f) => itemFor(join(CT5N, f)));
const MR = itemFor(join(TEST_FILES, 'MR_small_RLE.dcm'));

/**
 * The DICOMweb transport against a real Orthanc with its DICOMweb plugin (Debian
 * orthanc-dicomweb), basic auth on: STOW-RS stores, QIDO-RS answers the in-doubt check, a wrong
 * password is permanent, a server that is down is transient.
 */
describe('DICOMweb transport → Orthanc DICOMweb plugin', () => {
  const work = mkdtempSync(join(tmpdir(), 'dicomweb-'));
  const transport = createDicomwebTransport();
  let orthanc: OrthancHandle;
  let n = 0;
  const now = () => 9_000_000;

  const dest = (over: Partial<DicomwebExportDestination> = {}): DicomwebExportDestination => ({
    name: 'web',
    kind: 'dicomweb',
    url: orthanc.dicomWebUrl!,
    auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
    timeoutMs: 10_000,
    maxInstancesPerRequest: 50,
    verifyInDoubt: true,
    maxAttempts: 3,
    backoff: { initialMs: 1000, maxMs: 4000 },
    ...over,
  });

  /** Orthanc's own REST API: does it hold this SOP instance? */
  async function atOrthanc(sopInstanceUid: string): Promise<boolean> {
    const found = await orthanc.post<Array<{ Type: string }>>('/tools/lookup', sopInstanceUid);
    return found.some((f) => f.Type === 'Instance');
  }

  beforeAll(async () => {
    orthanc = await startOrthanc({ dicomWeb: true });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores several series over STOW-RS, one outcome per item in order, reported as each request is answered', async () => {
    const items = [CT[0]!, MR, CT[1]!];
    const reported: string[] = [];
    const outcomes = await transport.send(dest(), items, (o) => reported.push(o.sopInstanceUid));
    expect(outcomes.map((o) => o.sopInstanceUid)).toEqual(items.map((i) => i.sopInstanceUid));
    expect(outcomes.map(classifyOutcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(reported.sort()).toEqual(items.map((i) => i.sopInstanceUid).sort());
    for (const i of items) expect(await atOrthanc(i.sopInstanceUid), i.path).toBe(true);
    // Sending the same object again is harmless.
    expect((await transport.send(dest(), [CT[0]!])).map(classifyOutcome)).toEqual(['delivered']);
  });

  it('answers which objects the server holds with QIDO-RS', async () => {
    const held = await transport.holds!(dest(), [CT[0]!, CT[2]!]);
    expect([...held]).toEqual([CT[0]!.sopInstanceUid]);
  });

  it('a wrong password: every item dead at once (HTTP 401), nothing stored', async () => {
    const outcomes = await transport.send(dest({ auth: { kind: 'basic', user: orthanc.user, password: 'wrong' } }), [CT[3]!]);
    expect(outcomes[0]).toMatchObject({ error: expect.stringContaining('HTTP 401'), permanent: true });
    expect(outcomes.map(classifyOutcome)).toEqual(['dead']);
    expect(await atOrthanc(CT[3]!.sopInstanceUid)).toBe(false);
  });

  it('a server that is down: every item retried', async () => {
    const outcomes = await transport.send(dest({ url: `http://127.0.0.1:${await freePort()}/dicom-web` }), [CT[3]!, CT[4]!]);
    expect(outcomes.map(classifyOutcome)).toEqual(['retry', 'retry']);
    expect(outcomes[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('echo: QIDO-RS GET /studies answers 200; a wrong password gives HTTP 401', async () => {
    expect(await echoDestination(dest(), {})).toMatchObject({ ok: true, httpStatus: 200 });
    expect(await echoDestination(dest({ auth: { kind: 'bearer', token: 'nope' } }), {})).toMatchObject({ ok: false, httpStatus: 401, error: expect.stringContaining('HTTP 401') });
  });

  it('objects in doubt after a crash: asks with QIDO-RS and sends only the one the server lacks', async () => {
    const [A, B] = [CT[0]!, CT[4]!];
    const db: Db = openDatabase(join(work, `db-${++n}.sqlite`));
    for (const item of [A, B]) enqueueDelivery(db, { destination: 'web', ...item, seriesUid: 'x' }, now());
    expect(claimDueDeliveries(db, { now: now(), limit: 10 })).toHaveLength(2);
    expect(resetInterruptedDeliveries(db, now())).toBe(2);
    const sent: string[] = [];
    const recording: Transport = { ...transport, send: (d, items, cb) => (sent.push(...items.map((i) => i.sopInstanceUid)), transport.send(d, items, cb)) };
    const worker = new DeliveryWorker({ db, transports: { web: { transport: recording, destination: dest() } }, log: silentLogger, pollMs: 60_000, now });
    await worker.runOnce();
    expect(sent).toEqual([B.sopInstanceUid]);
    expect(findDelivery(db, 'web', A.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 0, inDoubt: false });
    expect(findDelivery(db, 'web', B.sopInstanceUid)).toMatchObject({ state: 'done', attempts: 1, inDoubt: false });
    expect(await atOrthanc(B.sopInstanceUid)).toBe(true);
    db.close();
  });
});
