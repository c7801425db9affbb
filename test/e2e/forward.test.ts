import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { TransferSyntax, transferSyntaxName } from '../../src/dicom/transfer-syntax.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { splitPart10 } from '../../src/net/part10-envelope.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import { findCurrentBySop } from '../../src/provenance/instances.js';
import { listJobs } from '../../src/provenance/jobs.js';
import { silentLogger } from '../../src/shared/log.js';
import { startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { VIDEO_ENDOSCOPIC, videoObject } from '../helpers/video-object.js';
import { PYDICOM_FILES } from '../receive/receive-fixtures.js';
import { removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';

/**
 * The routing action `forward`: the originals of a completed series go to the named destinations
 * exactly as the node received them — same data set bytes, same transfer syntax, never
 * re-encoded — including objects the node cannot decode (video). A destination that does not
 * accept an object's own syntax gets nothing and the delivery is dead at once, with the syntax
 * named. Processing and forwarding of the same series are independent.
 */

const CT_FILES = readdirSync(join(SAMPLES, 'ct5n')).map((f) => join(SAMPLES, 'ct5n', f));
const MR_RLE = join(PYDICOM_FILES, 'MR_small_RLE.dcm');

const RULES = `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { forward: [pacs, strict], windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [pacs] }
  - name: mr
    match: { modality: MR }
    completion: { scope: series, quietSeconds: 1 }
    actions: { forward: [pacs, strict] }
  - name: video
    match: { modality: ES }
    completion: { scope: series, quietSeconds: 1 }
    actions: { forward: [pacs, strict] }
  - name: default
    default: true
    actions: { drop: true }
`;

/** The data set of a Part-10 file: everything after the File Meta Information. */
const dataSetBytes = (bytes: Buffer) => bytes.subarray(splitPart10(bytes).datasetOffset);

describe('forward: originals sent untouched', () => {
  let orthanc: OrthancHandle;
  let strict: StoreScp;
  let node: RunningNode;
  let configDir: string;
  let work: string;
  let video: { path: string; sopInstanceUid: string };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'forward-'));
    orthanc = await startOrthanc({ aeTitle: 'PACS' });
    // storescp without +xa: uncompressed syntaxes only, like many archives and research nodes.
    strict = await startStoreScp({ dir: join(work, 'strict'), aeTitle: 'STRICT' });
    const port = await freePort();
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: 'PACS', port: orthanc.dicomPort },
      extraDestinationsYaml: `  strict:\n    kind: dimse\n    aeTitle: STRICT\n    host: 127.0.0.1\n    port: ${strict.port}\n    maxAttempts: 5\n    backoff: { initialSeconds: 0.2, maxSeconds: 1 }\n`,
      rulesYaml: RULES,
    });
    node = await startTestNode(configDir);
    const peer = { port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' };
    expect((await storescu(peer, CT_FILES)).rc).toBe(0);
    expect((await storescu(peer, [MR_RLE], ['-xr'])).rc).toBe(0);
    video = videoObject(work, TransferSyntax.Mpeg4AvcHighProfile, 1, '1402', { id: 'FWD1', name: 'Forward^Video' });
    const [sent] = await createDcmjsScu({ log: silentLogger }).store({ aeTitle: 'UNIMIE', host: '127.0.0.1', port, callingAeTitle: 'STORESCU', timeoutMs: 10_000 }, [
      { path: video.path, sopClassUid: VIDEO_ENDOSCOPIC, sopInstanceUid: video.sopInstanceUid, transferSyntaxUid: TransferSyntax.Mpeg4AvcHighProfile },
    ]);
    expect(sent).toMatchObject({ status: 0 });
    await waitForIdle(node, 120_000);
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    await strict?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
    if (work) removeDir(work);
  });

  /** The PACS copy of an original, found by SOP Instance UID. */
  async function atPacs(sopInstanceUid: string): Promise<{ bytes: Buffer; transferSyntax: string }> {
    const found = await orthanc.post<Array<{ ID: string; Type: string }>>('/tools/lookup', sopInstanceUid);
    const id = found.find((f) => f.Type === 'Instance')?.ID;
    if (!id) throw new Error(`${sopInstanceUid} is not at the PACS`);
    const bytes = await orthanc.getBytes(`/instances/${id}/file`);
    return { bytes, transferSyntax: splitPart10(bytes).transferSyntaxUid };
  }

  /** The node's spooled copy of an original: what it received, byte for byte. */
  const received = (sopInstanceUid: string) => readFileSync(findCurrentBySop(node.db, sopInstanceUid)!.path);

  it('delivers every original to the PACS with the data set it received, in the syntax it arrived in', async () => {
    const originals = [...CT_FILES, MR_RLE].map((f) => {
      const { sopInstanceUid, transferSyntaxUid } = splitPart10(readFileSync(f));
      return { sop: sopInstanceUid, ts: transferSyntaxUid };
    });
    originals.push({ sop: video.sopInstanceUid, ts: TransferSyntax.Mpeg4AvcHighProfile });
    expect(originals.map((o) => o.ts)).toContain(TransferSyntax.RleLossless);
    for (const o of originals) {
      const copy = await atPacs(o.sop);
      expect(copy.transferSyntax, o.sop).toBe(o.ts);
      expect(Buffer.compare(dataSetBytes(copy.bytes), dataSetBytes(received(o.sop))), o.sop).toBe(0);
    }
  });

  it('processes the CT series besides: its derived series reaches the PACS, the strict destination gets only originals', async () => {
    const processing = listJobs(node.db).filter((j) => j.kind === 'series');
    expect(processing.map((j) => [j.rule_name, j.state])).toEqual([['ct', 'done']]);
    const derived = listDeliveries(node.db, { destination: 'pacs' }).filter((d) => !d.forwarded);
    expect(derived).toHaveLength(CT_FILES.length);
    expect(derived.every((d) => d.state === 'done')).toBe(true);
    const forwardJobs = listJobs(node.db).filter((j) => j.kind === 'forward');
    expect(forwardJobs.map((j) => j.rule_name).sort()).toEqual(['ct', 'mr', 'video']);
    expect(forwardJobs.every((j) => j.state === 'done')).toBe(true);

    const strictFiles = readdirSync(strict.dir);
    expect(strictFiles).toHaveLength(CT_FILES.length);
    const sops = new Set(CT_FILES.map((f) => splitPart10(readFileSync(f)).sopInstanceUid));
    for (const f of strictFiles) {
      const bytes = readFileSync(join(strict.dir, f));
      const { sopInstanceUid, transferSyntaxUid } = splitPart10(bytes);
      expect(sops.has(sopInstanceUid)).toBe(true);
      expect(transferSyntaxUid).toBe(TransferSyntax.ExplicitVRLittleEndian);
      expect(Buffer.compare(dataSetBytes(bytes), dataSetBytes(received(sopInstanceUid)))).toBe(0);
    }
  });

  it('never decompresses for a destination that refuses the syntax: dead at the first attempt, the syntax named', async () => {
    const refused = listDeliveries(node.db, { destination: 'strict' }).filter((d) => d.state !== 'done');
    const mr = splitPart10(readFileSync(MR_RLE)).sopInstanceUid;
    expect(refused.map((d) => d.sopInstanceUid).sort()).toEqual([mr, video.sopInstanceUid].sort());
    for (const d of refused) {
      expect(d).toMatchObject({ state: 'dead', attempts: 1, forwarded: true });
      const name = transferSyntaxName(d.sopInstanceUid === mr ? TransferSyntax.RleLossless : TransferSyntax.Mpeg4AvcHighProfile);
      expect(d.lastError).toContain(`STRICT does not accept ${name}`);
    }
    // The dead-letter list in the API tells forwarded originals from derived objects.
    const res = await node.api!.app.inject({ method: 'GET', url: '/api/deliveries?destination=strict&state=dead' });
    expect(res.statusCode).toBe(200);
    const listed = res.json() as Array<{ sopInstanceUid: string; forwarded: boolean; lastError: string }>;
    expect(listed.map((d) => [d.sopInstanceUid, d.forwarded]).sort()).toEqual([[mr, true], [video.sopInstanceUid, true]].sort());
  });
});
