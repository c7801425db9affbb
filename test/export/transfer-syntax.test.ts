import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10, writePart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import type { DimseExportDestination } from '../../src/export/destination.js';
import { exportProposal, type ExportTransferSyntaxChoice } from '../../src/export/encode-transfer-syntax.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { createNativeScu } from '../../src/net/dimse-native-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { makeFixtures, PYDICOM_FILES, pydicomReference } from '../decode/decode-fixtures.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';

/**
 * The destination's `transferSyntax` on the wire: the exporter encodes the stored Explicit VR LE
 * object losslessly in the preferred syntax and proposes it with Explicit and Implicit VR LE as
 * fallbacks. Real DCMTK storescp instances accept only what their flags allow (+xr RLE, +xt
 * JPEG-LS, +xv JPEG 2000, +xe uncompressed only, +xi Implicit only); the received file's transfer
 * syntax is checked, and its pixels — decompressed by DCMTK or GDCM, read by pydicom — must equal
 * the source's exactly.
 */
const SOURCES = {
  /** 8-bit RGB, like the node's derived Secondary Capture. */
  rgb: 'rgb_planar0.dcm',
  /** 16-bit signed CT. */
  ct: 'CT_small.dcm',
} as const;

interface Case {
  choice: ExportTransferSyntaxChoice;
  scp: string;
  source: keyof typeof SOURCES;
  expected: string;
  /** DCMTK / GDCM tool that decompresses the received file for the pixel check. */
  decompress: string[];
}

const CASES: Case[] = [
  { choice: 'rle', scp: '+xr', source: 'rgb', expected: TransferSyntax.RleLossless, decompress: ['dcmdrle'] },
  { choice: 'rle', scp: '+xr', source: 'ct', expected: TransferSyntax.RleLossless, decompress: ['dcmdrle'] },
  { choice: 'jpeg-ls-lossless', scp: '+xt', source: 'rgb', expected: TransferSyntax.JpegLsLossless, decompress: ['dcmdjpls'] },
  { choice: 'jpeg-ls-lossless', scp: '+xt', source: 'ct', expected: TransferSyntax.JpegLsLossless, decompress: ['dcmdjpls'] },
  { choice: 'j2k-lossless', scp: '+xv', source: 'rgb', expected: TransferSyntax.Jpeg2000Lossless, decompress: ['gdcmconv', '--raw'] },
  { choice: 'j2k-lossless', scp: '+xv', source: 'ct', expected: TransferSyntax.Jpeg2000Lossless, decompress: ['gdcmconv', '--raw'] },
  // the preferred syntax refused: Explicit VR LE, then Implicit VR LE
  { choice: 'jpeg-ls-lossless', scp: '+xe', source: 'ct', expected: TransferSyntax.ExplicitVRLittleEndian, decompress: [] },
  { choice: 'rle', scp: '+xe', source: 'rgb', expected: TransferSyntax.ExplicitVRLittleEndian, decompress: [] },
  { choice: 'j2k-lossless', scp: '+xi', source: 'ct', expected: TransferSyntax.ImplicitVRLittleEndian, decompress: [] },
  { choice: 'rle', scp: '+xi', source: 'rgb', expected: TransferSyntax.ImplicitVRLittleEndian, decompress: [] },
  // native preferences
  { choice: 'implicit-le', scp: '+xe', source: 'ct', expected: TransferSyntax.ImplicitVRLittleEndian, decompress: [] },
  { choice: 'explicit-le', scp: '+xe', source: 'rgb', expected: TransferSyntax.ExplicitVRLittleEndian, decompress: [] },
];

const backoff = { initialMs: 10, maxMs: 100 };

function received(dir: string, sopInstanceUid: string): string | undefined {
  const name = readdirSync(dir).find((n) => n.endsWith(`.${sopInstanceUid}`));
  return name ? join(dir, name) : undefined;
}

/** A copy of the source with a fresh SOP Instance UID, so each case is a separate delivery. */
function freshCopy(src: string, dir: string, n: number): { path: string; sopInstanceUid: string; sopClassUid: string } {
  const path = join(dir, `case-${n}.dcm`);
  const file = readPart10(readFileSync(src));
  const sopInstanceUid = `1.2.826.0.1.3680043.10.1400.${process.pid}.${n}`;
  writeFileSync(path, writePart10({ ...file.dataset, SOPInstanceUID: sopInstanceUid }));
  return { path, sopInstanceUid, sopClassUid: file.dataset.SOPClassUID as string };
}

describe('export transfer syntax: preferred, then Explicit, then Implicit VR LE', () => {
  const work = mkdtempSync(join(tmpdir(), 'export-ts-test-'));
  const scps = new Map<string, StoreScp>();
  const transport = createDimseScuTransport(createDcmjsScu({ log: silentLogger }), { log: silentLogger });
  let orthanc: OrthancHandle;

  beforeAll(async () => {
    makeFixtures(work);
    for (const flag of new Set(CASES.map((c) => c.scp))) {
      scps.set(flag, await startStoreScp({ dir: join(work, `in${flag}`), aeTitle: 'PACS', extraArgs: [flag, '+B'] }));
    }
    orthanc = await startOrthanc({ aeTitle: 'ORTHANC' });
  }, 60_000);

  afterAll(async () => {
    for (const scp of scps.values()) await scp.stop();
    await orthanc?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const sourcePath = (s: keyof typeof SOURCES) => (s === 'ct' ? join(PYDICOM_FILES, SOURCES.ct) : join(work, SOURCES[s]));

  function destination(choice: ExportTransferSyntaxChoice, port: number, aeTitle = 'PACS'): DimseExportDestination {
    return { name: 'pacs', kind: 'dimse', aeTitle, host: '127.0.0.1', port, callingAeTitle: 'NODE', timeoutMs: 10_000, transferSyntax: choice, maxAttempts: 3, backoff };
  }

  it('proposes the preferred syntax, then Explicit and Implicit VR LE, without duplicates', () => {
    expect(exportProposal('rle')).toEqual([TransferSyntax.RleLossless, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]);
    expect(exportProposal('implicit-le')).toEqual([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian]);
    expect(exportProposal(undefined)).toEqual([TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]);
  });

  it.each(CASES.map((c, n) => [`${c.choice} → storescp ${c.scp} (${c.source})`, c, n] as const))('%s', async (_name, c, n) => {
    const scp = scps.get(c.scp)!;
    const item = freshCopy(sourcePath(c.source), work, n);
    const [outcome] = await transport.send(destination(c.choice, scp.port), [{ ...item, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }]);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 0 });
    const got = received(scp.dir, item.sopInstanceUid);
    expect(got, scp.output()).toBeDefined();
    expect(readPart10(readFileSync(got!)).transferSyntaxUid).toBe(c.expected);
    let native = got!;
    if (c.decompress.length > 0) {
      native = join(work, `native-${n}.dcm`);
      execFileSync(c.decompress[0], [...c.decompress.slice(1), got!, native], { stdio: 'pipe' });
    }
    const [theirs, source] = pydicomReference([
      { src: native, raw: join(work, `r-${n}.raw`) },
      { src: item.path, raw: join(work, `s-${n}.raw`) },
    ]);
    expect(theirs.values.length).toBe(source.values.length);
    expect(Buffer.from(theirs.values.buffer).equals(Buffer.from(source.values.buffer))).toBe(true);
  });

  it.each([
    ['rle', '+xr', TransferSyntax.RleLossless],
    ['j2k-lossless', '+xe', TransferSyntax.ExplicitVRLittleEndian],
    ['jpeg-ls-lossless', '+xi', TransferSyntax.ImplicitVRLittleEndian],
  ] as const)('dicom-dimse-native transport: %s → storescp %s arrives as %s, pixels unchanged', async (choice, flag, expected) => {
    // DCMTK's DcmStorageSCU proposes the encoded copy's syntax plus the uncompressed ones and
    // decompresses (lossless only) when the peer refuses it.
    const native = createDimseScuTransport(createNativeScu({ log: silentLogger }), { log: silentLogger });
    const scp = scps.get(flag)!;
    const n = 200 + ['+xr', '+xe', '+xi'].indexOf(flag);
    const item = freshCopy(sourcePath('ct'), work, n);
    const [outcome] = await native.send(destination(choice, scp.port), [{ ...item, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }]);
    expect(outcome).toMatchObject({ status: 0 });
    const got = received(scp.dir, item.sopInstanceUid);
    expect(got, scp.output()).toBeDefined();
    expect(readPart10(readFileSync(got!)).transferSyntaxUid).toBe(expected);
    const plain = join(work, `native-plain-${n}.dcm`);
    execFileSync('gdcmconv', ['--raw', got!, plain], { stdio: 'pipe' });
    const [theirs, source] = pydicomReference([
      { src: plain, raw: join(work, `nr-${n}.raw`) },
      { src: item.path, raw: join(work, `ns-${n}.raw`) },
    ]);
    expect(Buffer.from(theirs.values.buffer).equals(Buffer.from(source.values.buffer))).toBe(true);
  });

  it('an object the encoder refuses (32-bit RT Dose) goes out as stored', async () => {
    const scp = scps.get('+xr')!;
    const item = freshCopy(join(PYDICOM_FILES, 'rtdose.dcm'), work, 300);
    const [outcome] = await transport.send(destination('rle', scp.port), [{ ...item, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }]);
    expect(outcome).toMatchObject({ status: 0 });
    const got = received(scp.dir, item.sopInstanceUid);
    expect(readPart10(readFileSync(got!)).transferSyntaxUid).toBe(TransferSyntax.ExplicitVRLittleEndian);
  });

  it('a forwarded original (as stored) is never re-encoded and never transcoded: its own syntax or nothing', async () => {
    const rle = scps.get('+xr')!;
    const item = { ...freshCopy(sourcePath('ct'), work, 400), transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, asStored: true };
    const [kept] = await transport.send(destination('rle', rle.port), [item]);
    expect(kept).toMatchObject({ status: 0 });
    const got = readFileSync(received(rle.dir, item.sopInstanceUid)!);
    expect(readPart10(got).transferSyntaxUid).toBe(TransferSyntax.ExplicitVRLittleEndian);

    // storescp +xi takes Implicit VR LE only: dcmjs-dimse would transcode, an original is withheld.
    const implicitOnly = scps.get('+xi')!;
    const other = { ...freshCopy(sourcePath('ct'), work, 401), transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, asStored: true };
    const [refused] = await transport.send(destination('explicit-le', implicitOnly.port), [other]);
    expect(refused).toMatchObject({ permanent: true, error: expect.stringContaining('does not accept Explicit VR Little Endian') });
    expect(refused!.status).toBeUndefined();
    expect(received(implicitOnly.dir, other.sopInstanceUid)).toBeUndefined();
  });

  it('Orthanc receives JPEG 2000 lossless and RLE as proposed, pixels unchanged', async () => {
    for (const [n, choice] of (['j2k-lossless', 'rle'] as const).entries()) {
      const item = freshCopy(sourcePath('ct'), work, 100 + n);
      const [outcome] = await transport.send(destination(choice, orthanc.dicomPort, 'ORTHANC'), [{ ...item, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }]);
      expect(outcome).toMatchObject({ status: 0 });
      const ids = await orthanc.post<string[]>('/tools/find', { Level: 'Instance', Query: { SOPInstanceUID: item.sopInstanceUid } });
      expect(ids).toHaveLength(1);
      const file = join(work, `orthanc-${n}.dcm`);
      writeFileSync(file, await orthanc.getBytes(`/instances/${ids[0]}/file`));
      expect(readPart10(readFileSync(file)).transferSyntaxUid).toBe(choice === 'rle' ? TransferSyntax.RleLossless : TransferSyntax.Jpeg2000Lossless);
      const native = join(work, `orthanc-native-${n}.dcm`);
      execFileSync('gdcmconv', ['--raw', file, native], { stdio: 'pipe' });
      const [theirs, source] = pydicomReference([
        { src: native, raw: join(work, `or-${n}.raw`) },
        { src: item.path, raw: join(work, `os-${n}.raw`) },
      ]);
      expect(Buffer.from(theirs.values.buffer).equals(Buffer.from(source.values.buffer))).toBe(true);
    }
  });
});
