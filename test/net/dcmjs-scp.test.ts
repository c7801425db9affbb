import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { silentLogger } from '../../src/shared/log.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { AssociationReject, AssociationRequest, ScpTransport, StoreRequest } from '../../src/net/types.js';
import { echoscu, runTool, storescu } from '../helpers/dcmtk.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const FILES = pydicomData('test_files');
const CT = join(FILES, 'CT_small.dcm');
const MR = join(FILES, 'MR_small.dcm');
const CT5N = join(FILES, 'dicomdirtests/98892001/CT5N');

describe('dcmjs-dimse SCP against DCMTK storescu/echoscu', () => {
  const work = mkdtempSync(join(tmpdir(), 'scp-test-'));
  const inbox = join(work, 'in');
  let scp: ScpTransport;
  let failNext = 0;
  const stores: StoreRequest[] = [];
  const rejected: Array<{ req: AssociationRequest; reject: AssociationReject }> = [];
  const closed: string[] = [];

  beforeAll(async () => {
    const policy = new AllowListPolicy({
      listeners: [{ listener: 'main', aeTitle: 'NODE', allow: [{ aeTitle: 'MODALITY', hosts: ['127.0.0.1'] }, { aeTitle: 'FARHOST', hosts: ['10.0.0.0/8'] }] }],
    });
    scp = createDcmjsScp(
      {
        name: 'main',
        aeTitle: 'NODE',
        host: '127.0.0.1',
        port: 0,
        maxPduLength: 65_536,
        acceptedTransferSyntaxes: [
          TransferSyntax.ExplicitVRLittleEndian,
          TransferSyntax.ImplicitVRLittleEndian,
          TransferSyntax.ExplicitVRBigEndian,
          TransferSyntax.JpegLosslessSv1,
          TransferSyntax.RleLossless,
        ],
      },
      {
        policy,
        log: silentLogger,
        events: {
          onAssociationRejected: (req, reject) => rejected.push({ req, reject }),
          onAssociationClosed: (_req, outcome) => closed.push(outcome),
        },
        handler: {
          async onStore(req) {
            if (failNext > 0) {
              failNext--;
              throw new Error('disk on fire');
            }
            stores.push(req);
            writeFileSync(join(inbox, `${req.sopInstanceUid}.dcm`), req.bytes);
            return 0;
          },
        },
      },
    );
    await scp.start();
    expect(scp.port()).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await scp?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  beforeEach(() => {
    rmSync(inbox, { recursive: true, force: true });
    stores.length = 0;
    rejected.length = 0;
    mkdirSync(inbox, { recursive: true });
  });

  const peer = (calling = 'MODALITY', called = 'NODE') => ({ port: scp.port(), callingAeTitle: calling, calledAeTitle: called });

  it('answers C-ECHO', async () => {
    const r = await echoscu(peer());
    expect(r.rc, r.output).toBe(0);
  });

  it('receives CT_small and MR_small; the Part-10 bytes carry the received data set', async () => {
    const r = await storescu(peer(), [CT, MR]);
    expect(r.rc, r.output).toBe(0);
    expect(stores.map((s) => s.sopClassUid).sort()).toEqual(['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.4']);
    for (const s of stores) {
      const parsed = readPart10(s.bytes);
      expect(parsed.dataset.SOPInstanceUID).toBe(s.sopInstanceUid);
      expect(parsed.meta.TransferSyntaxUID).toBe(s.transferSyntaxUid);
      expect(parsed.meta.SourceApplicationEntityTitle).toBe('MODALITY');
      expect(s.association.callingAeTitle).toBe('MODALITY');
    }
    const ct = readPart10(readFileSync(join(inbox, `${stores.find((s) => s.sopClassUid.endsWith('.1.2'))!.sopInstanceUid}.dcm`)));
    const original = readPart10(readFileSync(CT));
    expect(ct.dataset.PixelData).toEqual(original.dataset.PixelData);
    expect(ct.dataset.Rows).toBe(128);
    // dcmdump reads what we framed.
    const dump = await runTool('dcmdump', [join(inbox, `${stores[0].sopInstanceUid}.dcm`)]);
    expect(dump.rc, dump.output).toBe(0);
  });

  it('receives a folder with storescu +sd (5-slice CT series)', async () => {
    const r = await storescu(peer(), [CT5N], ['+sd', '+r']);
    expect(r.rc, r.output).toBe(0);
    expect(readdirSync(inbox)).toHaveLength(readdirSync(CT5N).length);
  });

  it('rejects an unknown calling AE with reason 3 (storescu fails)', async () => {
    const r = await storescu(peer('STRANGER'), [CT]);
    expect(r.rc).not.toBe(0);
    expect(r.output).toMatch(/Calling AE Title Not Recognized/i);
    expect(rejected.at(-1)?.reject).toMatchObject({ result: 1, source: 1, reason: 3 });
    expect(stores).toHaveLength(0);
  });

  it('rejects a known AE from a host not allowed, saying why', async () => {
    const r = await echoscu(peer('FARHOST'));
    expect(r.rc).not.toBe(0);
    expect(rejected.at(-1)?.reject.why).toMatch(/host not allowed/);
  });

  it('rejects a wrong called AE with reason 7', async () => {
    const r = await echoscu(peer('MODALITY', 'SOMEONE'));
    expect(r.rc).not.toBe(0);
    expect(r.output).toMatch(/Called AE Title Not Recognized/i);
    expect(rejected.at(-1)?.reject).toMatchObject({ result: 1, source: 1, reason: 7 });
  });

  it('answers 0x0110 when the handler throws, and keeps serving', async () => {
    failNext = 1;
    const r = await storescu(peer(), [CT], ['-v']);
    expect(r.output).toMatch(/Status: 0x0?110\b|Processing Failure/i);
    expect(stores).toHaveLength(0);
    const again = await storescu(peer(), [CT, MR]);
    expect(again.rc, again.output).toBe(0);
    expect(stores).toHaveLength(2);
  });

  it('accepts a JPEG lossless file proposed with -xs and keeps its transfer syntax', async () => {
    const jpeg = join(work, 'ct-jpegll.dcm');
    const c = await runTool('dcmcjpeg', [CT, jpeg]);
    expect(c.rc, c.output).toBe(0);
    const r = await storescu(peer(), [jpeg], ['-xs']);
    expect(r.rc, r.output).toBe(0);
    expect(stores[0].transferSyntaxUid).toBe(TransferSyntax.JpegLosslessSv1);
    expect(readPart10(stores[0].bytes).dataset.Rows).toBe(128);
  });

  it('rejects the presentation context of a transfer syntax we do not accept (J2K proposal)', async () => {
    const j2k = join(FILES, 'MR_small_jp2klossless.dcm');
    const r = await storescu(peer(), [j2k], ['-xv']);
    expect(r.rc).not.toBe(0);
    expect(stores).toHaveLength(0);
  });

  it('records association outcomes (released)', () => {
    expect(closed).toContain('released');
  });
});
