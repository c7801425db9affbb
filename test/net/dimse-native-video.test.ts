import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { decodeFrames, PixelDecodeError } from '../../src/dicom/pixels.js';
import { ACCEPTED_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { isDimseNativeAvailable } from '../../src/net/dimse-native-module.js';
import { NATIVE_LISTENER_REFUSED_TRANSFER_SYNTAXES, NATIVE_LISTENER_TRANSFER_SYNTAXES } from '../../src/net/dimse-native-transfer-syntaxes.js';
import { splitPart10 } from '../../src/net/part10-envelope.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { reportMissingAddon } from '../helpers/optional-addon.js';
import { removeDir, startTestNode, writeTestConfig } from '../e2e/node-harness.js';
import { VIDEO_ENDOSCOPIC, videoObject as makeVideoObject } from '../helpers/video-object.js';

/**
 * Video on the dicom-dimse-native (DCMTK) listener: storescu proposes exactly one video transfer
 * syntax, the listener accepts it, the node stores the object as received and reports it
 * "stored, not processed: <syntax name> (<UID>)" as with the default transport
 * (test/decode/stored-only.test.ts), and keeps running.
 */
const available = await isDimseNativeAvailable();

const videoObject = (dir: string, ts: string, n: number) => makeVideoObject(dir, ts, n, '1402', { id: 'VIDEO2', name: 'Endo^Native' });

/** The transfer syntaxes of the presentation contexts in storescu's -d dump of one PDU (RQ or AC). */
function contextsIn(output: string, pdu: 'RQ' | 'AC'): Array<{ result: string; syntaxes: string[] }> {
  const start = output.indexOf(`====================== BEGIN A-ASSOCIATE-${pdu} =====`);
  const end = output.indexOf('======================= END A-ASSOCIATE', start);
  if (start < 0 || end < 0) return [];
  const contexts: Array<{ result: string; syntaxes: string[] }> = [];
  for (const line of output.slice(start, end).split('\n')) {
    const id = /Context ID:\s+\d+ \((.+)\)/.exec(line);
    if (id) contexts.push({ result: id[1]!, syntaxes: [] });
    const ts = /^D:\s+(?:Accepted Transfer Syntax: )?(=\S+|\d[\d.]+)\s*$/.exec(line);
    if (ts && contexts.length > 0) contexts.at(-1)!.syntaxes.push(ts[1]!);
  }
  return contexts;
}

/** A storescu association configuration (`-xf FILE Probe`): one presentation context per entry. */
function associationConfig(path: string, contexts: Array<[abstractSyntax: string, transferSyntaxes: string[]]>): string {
  writeFileSync(
    path,
    [
      '[[TransferSyntaxes]]',
      ...contexts.flatMap(([, list], i) => [`[TS${i}]`, ...list.map((ts, j) => `TransferSyntax${j + 1} = ${ts}`)]),
      '[[PresentationContexts]]',
      '[Probe]',
      ...contexts.map(([as], i) => `PresentationContext${i + 1} = ${as}\\TS${i}`),
      '[[Profiles]]',
      '[Probe]',
      'PresentationContexts = Probe',
      '',
    ].join('\n'),
  );
  return path;
}

describe('dicom-dimse-native listener: video transfer syntaxes are accepted, stored, not processed', () => {
  it('the optional dependency dicom-dimse-native is installed (required in CI)', () => {
    if (!available) reportMissingAddon('dicom-dimse-native', 'the native video tests');
  });

  if (!available) return;

  let node: RunningNode;
  let configDir: string;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    configDir = writeTestConfig({
      port,
      transport: 'dicom-dimse-native',
      allowAnyCaller: true,
      pacs: { aeTitle: 'PACS', port: await freePort() },
    });
    node = await startTestNode(configDir);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(configDir);
  });

  it.each([
    [TransferSyntax.Mpeg4AvcHighProfile, '-xn', 'MPEG-4 AVC/H.264 High Profile / Level 4.1'],
    [TransferSyntax.Mpeg2MainProfile, '-xm', 'MPEG2 Main Profile / Main Level'],
    [TransferSyntax.HevcMainProfile, '-x4', 'HEVC/H.265 Main Profile / Level 5.1'],
  ])('%s (storescu %s): accepted, stored as sent, reported "stored, not processed: %s"', async (ts, flag, name) => {
    const obj = videoObject(configDir, ts, Number(ts.split('.').at(-1)));
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [obj.path], ['-d', '-R', flag]);
    expect(sent.rc, sent.output).toBe(0);

    // One context proposed with exactly this syntax, accepted with it, and a success response.
    const [proposed] = contextsIn(sent.output, 'RQ');
    const [accepted] = contextsIn(sent.output, 'AC');
    expect(contextsIn(sent.output, 'RQ')).toHaveLength(1);
    expect(proposed!.syntaxes).toHaveLength(1);
    expect(accepted).toEqual({ result: 'Accepted', syntaxes: proposed!.syntaxes });
    expect(sent.output).toMatch(/C-STORE RSP[\s\S]*DIMSE Status\s+: 0x0000: Success/);

    // The C-STORE is answered by DCMTK before adoption: wait for the instance to appear.
    let res = await node.api!.app.inject({ method: 'GET', url: `/api/instances/${obj.sopInstanceUid}` });
    for (let i = 0; i < 200 && res.statusCode === 404; i++) {
      await new Promise((r) => setTimeout(r, 50));
      res = await node.api!.app.inject({ method: 'GET', url: `/api/instances/${obj.sopInstanceUid}` });
    }
    expect(res.statusCode, res.body).toBe(200);
    const [copy] = (res.json() as { copies: Array<{ status: string; statusReason: string; transferSyntaxUid: string; path: string }> }).copies;
    expect(copy).toMatchObject({ status: 'unprocessable', statusReason: `stored, not processed: ${name} (${ts})`, transferSyntaxUid: ts });

    // DCMTK writes its own file meta; the data set after it is the one sent, byte for byte.
    const original = readFileSync(obj.path);
    const stored = readFileSync(node.spool.resolve(copy!.path));
    const storedMeta = splitPart10(stored);
    expect(storedMeta).toMatchObject({ sopClassUid: VIDEO_ENDOSCOPIC, sopInstanceUid: obj.sopInstanceUid, transferSyntaxUid: ts });
    expect(stored.length - storedMeta.datasetOffset).toBeGreaterThan(4000);
    expect(stored.subarray(storedMeta.datasetOffset).equals(original.subarray(splitPart10(original).datasetOffset))).toBe(true);

    const file = readPart10(stored);
    expect(file.transferSyntaxUid).toBe(ts);
    const err = await decodeFrames(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PixelDecodeError);
    expect((err as PixelDecodeError).message).toContain(`stored, not processed: ${name}`);
  });

  it('accepts exactly NATIVE_LISTENER_TRANSFER_SYNTAXES; the others are refused per context (transfer syntaxes not supported)', async () => {
    // One presentation context per syntax the node accepts with the default transport, plus one
    // context proposing Explicit VR Little Endian first and JPEG 2000 second (whose choice wins?).
    const cfg = associationConfig(join(configDir, 'probe.cfg'), [
      ...ACCEPTED_TRANSFER_SYNTAXES.map((ts): [string, string[]] => [VIDEO_ENDOSCOPIC, [ts]]),
      ['1.2.840.10008.5.1.4.1.1.2', [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.Jpeg2000]],
    ]);
    const obj = videoObject(configDir, TransferSyntax.Mpeg4AvcHighProfile, 900);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [obj.path], ['-d', '-xf', cfg, 'Probe']);
    expect(sent.rc, sent.output).toBe(0);

    const results = contextsIn(sent.output, 'AC');
    expect(results, sent.output).toHaveLength(ACCEPTED_TRANSFER_SYNTAXES.length + 1);
    const accepted = ACCEPTED_TRANSFER_SYNTAXES.filter((_, i) => results[i]!.result === 'Accepted');
    const refused = ACCEPTED_TRANSFER_SYNTAXES.filter((_, i) => results[i]!.result !== 'Accepted');
    expect(new Set(accepted)).toEqual(new Set(NATIVE_LISTENER_TRANSFER_SYNTAXES));
    expect(refused).toEqual([...NATIVE_LISTENER_REFUSED_TRANSFER_SYNTAXES]);
    for (const ts of refused) expect(results[ACCEPTED_TRANSFER_SYNTAXES.indexOf(ts)]!.result, ts).toMatch(/Transfer Syntaxes Not Supported/i);

    // DCMTK's preference decides: JPEG 2000 although the caller proposed Explicit VR Little Endian first.
    const mixed = results.at(-1)!;
    expect(mixed.result).toBe('Accepted');
    expect(mixed.syntaxes).toEqual(['=JPEG2000']);
  });

  it('refuses a JPEG 2000 Part 2 object (stored, not processed with dcmjs-dimse): no context accepted, nothing stored', async () => {
    const ts = TransferSyntax.Jpeg2000Part2MultiComponentLossless;
    const obj = videoObject(configDir, ts, 92);
    const cfg = associationConfig(join(configDir, 'j2k-part2.cfg'), [[VIDEO_ENDOSCOPIC, [ts]]]);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [obj.path], ['-d', '-xf', cfg, 'Probe']);
    expect(contextsIn(sent.output, 'AC'), sent.output).toEqual([{ result: 'Transfer Syntaxes Not Supported', syntaxes: [] }]);
    expect(sent.rc, sent.output).not.toBe(0);
    expect(sent.output).toMatch(/No Acceptable Presentation Contexts/);
    await new Promise((r) => setTimeout(r, 300));
    const res = await node.api!.app.inject({ method: 'GET', url: `/api/instances/${obj.sopInstanceUid}` });
    expect(res.statusCode).toBe(404);
  });

  it('is still up after the video objects: C-ECHO answered, /healthz 200', async () => {
    const echo = await echoscu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' });
    expect(echo.rc, echo.output).toBe(0);
    const health = await node.api!.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });
});
