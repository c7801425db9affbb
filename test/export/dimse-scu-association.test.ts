import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dimse from 'dcmjs-dimse';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writePart10 } from '../../src/dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import type { RemoteNode, StoreItem } from '../../src/net/types.js';
import { silentLogger } from '../../src/shared/log.js';
import { startStoreScp, type StoreScp } from '../helpers/dcmtk.js';

/**
 * How the dcmjs-dimse SCU sends a series: one association, one answer per object, and per object
 * a constant amount of work (the library's own bookkeeping grows with every answered request
 * unless it is emptied; see dcmjs-dimse-scu.ts).
 */
describe('dcmjs-dimse SCU: a series over one association', () => {
  const SLICES = 40;
  const work = mkdtempSync(join(tmpdir(), 'scu-association-'));
  const items: StoreItem[] = [];
  let scp: StoreScp;
  let peer: RemoteNode;
  const scu = createDcmjsScu({ log: silentLogger });

  beforeAll(async () => {
    // 96² 16-bit slices: 18 KiB of pixel data, more than one P-DATA-TF at storescp's 16 KiB PDU.
    const series = createPhantomSeries({ slices: SLICES, rows: 96, columns: 96, seed: 3 });
    for (let i = 0; i < SLICES; i++) {
      const ds = phantomSliceDataset(series, i);
      const path = join(work, `${i}.dcm`);
      writeFileSync(path, writePart10(ds));
      items.push({ path, sopClassUid: String(ds.SOPClassUID), sopInstanceUid: String(ds.SOPInstanceUID), transferSyntaxUid: '1.2.840.10008.1.2.1' });
    }
    // DCMTK disables Nagle only when told to: otherwise each of its answers waits for our delayed ACK.
    process.env.TCP_NODELAY = '1';
    scp = await startStoreScp({ dir: join(work, 'in'), aeTitle: 'PACS', extraArgs: ['-v'] });
    peer = { aeTitle: 'PACS', host: '127.0.0.1', port: scp.port, callingAeTitle: 'NODE', timeoutMs: 10_000 };
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await scp.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('sends every object of the series in one association and reports each answer once, in order', async () => {
    const before = (scp.output().match(/Association Acknowledged/g) ?? []).length;
    const answered: string[] = [];
    const outcomes = await scu.store(peer, items, (o) => answered.push(o.sopInstanceUid));
    expect(outcomes.map((o) => o.status)).toEqual(items.map(() => 0));
    expect(answered).toEqual(items.map((i) => i.sopInstanceUid));
    expect((scp.output().match(/Association Acknowledged/g) ?? []).length - before).toBe(1);
    expect(readdirSync(join(work, 'in'))).toHaveLength(SLICES);
  });

  it('decodes each C-STORE-RSP on its own, without the library\'s generic reader (which would carry every earlier one)', async () => {
    const parsed: number[] = [];
    // The library's (untyped) reader of a received command or data set buffer.
    const proto = dimse.Dataset.prototype as unknown as { _fromElementsBuffer(buffer: Buffer, ...rest: unknown[]): unknown };
    const original = proto._fromElementsBuffer;
    vi.spyOn(proto, '_fromElementsBuffer').mockImplementation(function (this: unknown, buffer: Buffer, ...rest: unknown[]) {
      parsed.push(buffer.length);
      return original.call(this, buffer, ...rest);
    });
    const outcomes = await scu.store(peer, items);
    expect(outcomes.every((o) => o.status === 0)).toBe(true);
    // Each response is one PDU of one PDV, decoded by decodeResponseCommand: the library's reader
    // (a MemoryStream and a full dcmjs parse per response) does not run for any of them.
    expect(parsed).toEqual([]);
  });

  it('matches each response against the one request awaiting it, not every request sent before', async () => {
    // A response is matched by the message ID of each request in the list awaiting an answer.
    const lookups = vi.spyOn(dimse.requests.CStoreRequest.prototype, 'getMessageId');
    await scu.store(peer, items);
    // Without taking answered requests off that list this is SLICES·(SLICES+1)/2 = 820.
    expect(lookups.mock.calls.length).toBeGreaterThanOrEqual(SLICES);
    expect(lookups.mock.calls.length).toBeLessThanOrEqual(2 * SLICES);
  });

  it('writes each request (command and every data PDU) with one writev', async () => {
    let single = 0;
    let vectored = 0;
    const write = Socket.prototype._write;
    const writev = Socket.prototype._writev!;
    vi.spyOn(Socket.prototype, '_write').mockImplementation(function (this: Socket, ...args: Parameters<typeof write>) {
      if (this.remotePort === scp.port) single++;
      return write.apply(this, args);
    });
    vi.spyOn(Socket.prototype, '_writev').mockImplementation(function (this: Socket, ...args: Parameters<typeof writev>) {
      if (this.remotePort === scp.port) vectored++;
      return writev.apply(this, args);
    });
    const outcomes = await scu.store(peer, items);
    expect(outcomes.every((o) => o.status === 0)).toBe(true);
    expect(vectored).toBe(SLICES);
    // The association request and the release request.
    expect(single).toBe(2);
  });
});
