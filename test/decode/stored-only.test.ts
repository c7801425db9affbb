import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { decodeFrames, PixelDecodeError } from '../../src/dicom/pixels.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels, STORED_ONLY_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { removeDir, startTestNode, writeTestConfig } from '../e2e/node-harness.js';
import { freePort } from '../helpers/ports.js';
import { VIDEO_ENDOSCOPIC, videoObject as makeVideoObject } from '../helpers/video-object.js';

/**
 * Video (MPEG-2, H.264, HEVC) and JPEG 2000 Part 2: the listener accepts them, the C-STORE is
 * acknowledged after the object is stored, and the instance is marked "stored, not processed:
 * <syntax name>" in the instances table and the API; decoding refuses it with PixelDecodeError.
 */

const videoObject = (dir: string, ts: string, n: number) => makeVideoObject(dir, ts, n, '1401', { id: 'VIDEO1', name: 'Endo^Video' });

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
