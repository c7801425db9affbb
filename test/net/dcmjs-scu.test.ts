import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { PermanentTransportError, TransientTransportError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { splitPart10 } from '../../src/net/part10-envelope.js';
import type { RemoteNode, StoreItem } from '../../src/net/types.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const FILES = pydicomData('test_files');

function item(path: string): StoreItem {
  const f = readPart10(readFileSync(path), { untilPixelData: true });
  return {
    path,
    sopClassUid: String(f.dataset.SOPClassUID),
    sopInstanceUid: String(f.dataset.SOPInstanceUID),
    transferSyntaxUid: f.transferSyntaxUid,
  };
}

/** storescp names files <modality prefix>.<SOP Instance UID>. */
function received(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, name));
    out.set(String(readPart10(bytes).dataset.SOPInstanceUID), bytes);
  }
  return out;
}

describe('dcmjs-dimse SCU against DCMTK storescp', () => {
  const work = mkdtempSync(join(tmpdir(), 'scu-test-'));
  let plain: StoreScp; // uncompressed syntaxes only (storescp default)
  let all: StoreScp; // +xa: accepts every transfer syntax
  const scu = createDcmjsScu({ log: silentLogger });
  const node = (scp: StoreScp): RemoteNode => ({ aeTitle: scp.aeTitle, host: '127.0.0.1', port: scp.port, callingAeTitle: 'NODESCU', timeoutMs: 10_000 });

  beforeAll(async () => {
    plain = await startStoreScp({ dir: join(work, 'plain'), aeTitle: 'PLAIN' });
    all = await startStoreScp({ dir: join(work, 'all'), aeTitle: 'ALL', extraArgs: ['+xa', '+B'] }); // +B: bit-preserving, writes the data set as received
  });

  afterAll(async () => {
    await plain?.stop();
    await all?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('echoes', async () => {
    const r = await scu.echo(node(plain));
    expect(r).toMatchObject({ ok: true, status: 0 });
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it('stores native-syntax files; the data set bytes arrive unchanged', async () => {
    const items = ['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm'].map((f) => item(join(FILES, f)));
    const outcomes = await scu.store(node(plain), items);
    expect(outcomes.map((o) => o.status)).toEqual([0, 0, 0]);
    expect(outcomes.map((o) => o.sopInstanceUid)).toEqual(items.map((i) => i.sopInstanceUid));
    const got = received(plain.dir);
    const ct = readPart10(got.get(items[0].sopInstanceUid)!);
    const original = readPart10(readFileSync(items[0].path));
    expect(ct.dataset.PixelData).toEqual(original.dataset.PixelData);
    expect(ct.dataset.PatientName).toEqual(original.dataset.PatientName);
  });

  it('stores compressed files in their own syntax, one association per syntax', async () => {
    // The MR_small variants share one SOP Instance UID: storescp keeps the last, so check each alone.
    const items = ['MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm'].map((f) => item(join(FILES, f)));
    const outcomes = await scu.store(node(all), items);
    expect(outcomes.map((o) => o.status)).toEqual([0, 0, 0]);
    for (const i of items) {
      rmSync(all.dir, { recursive: true, force: true });
      mkdirSync(all.dir);
      const [o] = await scu.store(node(all), [i]);
      expect(o.status).toBe(0);
      const arrived = received(all.dir).get(i.sopInstanceUid)!;
      expect(readPart10(arrived).transferSyntaxUid).toBe(i.transferSyntaxUid);
      // The data set travelled as stored: same bytes after the meta header.
      const original = readFileSync(i.path);
      expect(arrived.subarray(splitPart10(arrived).datasetOffset).equals(original.subarray(splitPart10(original).datasetOffset))).toBe(true);
    }
  });

  it('decompresses when the peer accepts only uncompressed syntaxes', async () => {
    const i = item(join(FILES, 'MR_small_RLE.dcm'));
    const [o] = await scu.store(node(plain), [i]);
    expect(o.status, o.error).toBe(0);
    const arrived = readPart10(received(plain.dir).get(i.sopInstanceUid)!);
    expect([TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]).toContain(arrived.transferSyntaxUid);
    const reference = readPart10(readFileSync(join(FILES, 'MR_small.dcm')));
    const pixels = (d: unknown): Buffer => Buffer.from((d as ArrayBuffer[])[0]);
    expect(pixels(arrived.dataset.PixelData).equals(pixels(reference.dataset.PixelData))).toBe(true);
  });

  it('throws TransientTransportError when the port refuses connections, and echo says not ok', async () => {
    const port = await freePort();
    const dead: RemoteNode = { aeTitle: 'NOBODY', host: '127.0.0.1', port, callingAeTitle: 'NODESCU', timeoutMs: 3000 };
    await expect(scu.store(dead, [item(join(FILES, 'CT_small.dcm'))])).rejects.toBeInstanceOf(TransientTransportError);
    const e = await scu.echo(dead);
    expect(e.ok).toBe(false);
    expect(e.error).toMatch(/no association/);
  });

  it('throws PermanentTransportError when the peer rejects the association permanently', async () => {
    const scp = createDcmjsScp(
      { name: 'l', aeTitle: 'STRICT', host: '127.0.0.1', port: 0, acceptedTransferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian] },
      { policy: new AllowListPolicy({ listeners: [{ listener: 'l', aeTitle: 'STRICT', allow: [] }] }), handler: { onStore: async () => 0 }, log: silentLogger },
    );
    await scp.start();
    try {
      const peer: RemoteNode = { aeTitle: 'STRICT', host: '127.0.0.1', port: scp.port(), callingAeTitle: 'NODESCU' };
      const err = await scu.store(peer, [item(join(FILES, 'CT_small.dcm'))]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentTransportError);
      expect((err as Error).message).toMatch(/calling-AE-title-not-recognized/);
    } finally {
      await scp.stop();
    }
  });
});
