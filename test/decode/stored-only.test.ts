import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { readPart10, writePart10 } from '../../src/dicom/part10.js';
import { decodeFrames, PixelDecodeError } from '../../src/dicom/pixels.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels, STORED_ONLY_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { removeDir, startTestNode, writeTestConfig } from '../e2e/node-harness.js';
import { freePort } from '../helpers/ports.js';

/**
 * Video (MPEG-2, H.264, HEVC) and JPEG 2000 Part 2: the listener accepts them, the C-STORE is
 * acknowledged after the object is stored, and the instance is marked "stored, not processed:
 * <syntax name>" in the instances table and the API; decoding refuses it with PixelDecodeError.
 */
const VIDEO_ENDOSCOPIC = '1.2.840.10008.5.1.4.1.1.77.1.1.1';

function videoObject(dir: string, ts: string, n: number): { path: string; sopInstanceUid: string } {
  const sopInstanceUid = `1.2.826.0.1.3680043.10.1401.${process.pid}.${n}`;
  // Not a real elementary stream: the node never looks inside.
  const stream = new Uint8Array(4000).map((_, i) => (i * 37) & 0xff);
  stream.set([0x00, 0x00, 0x00, 0x01, 0x67]);
  const dataset = {
    SOPClassUID: VIDEO_ENDOSCOPIC,
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: `1.2.826.0.1.3680043.10.1401.${process.pid}.1`,
    SeriesInstanceUID: `1.2.826.0.1.3680043.10.1401.${process.pid}.2`,
    Modality: 'ES',
    PatientID: 'VIDEO1',
    PatientName: 'Endo^Video',
    Rows: 480,
    Columns: 640,
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'YBR_PARTIAL_420',
    PlanarConfiguration: 0,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    NumberOfFrames: 25,
    FrameTime: 40,
    PixelData: [stream.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const path = join(dir, `video-${n}.dcm`);
  writeFileSync(path, writePart10(dataset, { transferSyntaxUid: ts }));
  return { path, sopInstanceUid };
}

describe('stored, not processed: syntaxes the node cannot decode', () => {
  let node: RunningNode;
  let configDir: string;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() } });
    node = await startTestNode(configDir);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(configDir);
  });

  it('accepts every stored-only syntax but decodes none of them', () => {
    for (const ts of STORED_ONLY_TRANSFER_SYNTAXES) {
      expect(ACCEPTED_TRANSFER_SYNTAXES).toContain(ts);
      expect(canDecodePixels(ts)).toBe(false);
    }
  });

  it.each([
    [TransferSyntax.Mpeg4AvcHighProfile, 'MPEG-4 AVC/H.264 High Profile / Level 4.1'],
    [TransferSyntax.Mpeg2MainProfile, 'MPEG2 Main Profile / Main Level'],
    [TransferSyntax.HevcMainProfile, 'HEVC/H.265 Main Profile / Level 5.1'],
  ])('%s: acknowledged with 0x0000, stored, reported "stored, not processed: %s"', async (ts, name) => {
    const obj = videoObject(configDir, ts, STORED_ONLY_TRANSFER_SYNTAXES.indexOf(ts));
    const scu = createDcmjsScu({ log: silentLogger });
    const [outcome] = await scu.store({ aeTitle: 'UNIMIE', host: '127.0.0.1', port, callingAeTitle: 'STORESCU', timeoutMs: 10_000 }, [
      { path: obj.path, sopClassUid: VIDEO_ENDOSCOPIC, sopInstanceUid: obj.sopInstanceUid, transferSyntaxUid: ts },
    ]);
    expect(outcome).toMatchObject({ status: 0 });

    const res = await node.api!.app.inject({ method: 'GET', url: `/api/instances/${obj.sopInstanceUid}` });
    expect(res.statusCode).toBe(200);
    const [copy] = (res.json() as { copies: Array<{ status: string; statusReason: string; transferSyntaxUid: string; path: string }> }).copies;
    expect(copy).toMatchObject({ status: 'unprocessable', statusReason: `stored, not processed: ${name} (${ts})`, transferSyntaxUid: ts });

    // The spooled object is the one sent, bit for bit, and decoding it fails with the typed error.
    const stored = readFileSync(node.spool.resolve(copy.path));
    const file = readPart10(stored);
    expect(file.transferSyntaxUid).toBe(ts);
    const err = await decodeFrames(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PixelDecodeError);
    expect((err as PixelDecodeError).message).toContain(`stored, not processed: ${name}`);
  });
});
