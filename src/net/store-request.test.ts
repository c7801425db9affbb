import { describe, expect, it } from 'vitest';
import { DimseStatus } from '../dicom/status.js';
import { silentLogger } from '../shared/log.js';
import { splitPart10 } from './part10-envelope.js';
import type { PdvCollector } from './pdv-collector.js';
import { answerStore, storeCollector, type ReceivedStore } from './store-request.js';
import type { AssociationRequest, StoreHandler, StoreRequest } from './types.js';

const EXPLICIT = '1.2.840.10008.1.2.1';
const association: AssociationRequest = {
  id: 'a1',
  callingAeTitle: 'CT1',
  calledAeTitle: 'NODE',
  remoteAddress: '127.0.0.1',
  remotePort: 40000,
  tls: false,
  listener: 'main',
  proposedContexts: [],
};

const FIELDS = { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '1.2.3.4', transferSyntaxUid: EXPLICIT, sourceAeTitle: 'CT1' };

function collected(limit: number, ...chunks: Buffer[]): PdvCollector {
  const c = storeCollector(FIELDS, limit);
  for (const chunk of chunks) c.append(chunk);
  return c;
}

function store(collector: PdvCollector | undefined, over: Partial<ReceivedStore> = {}): ReceivedStore {
  return { association, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '1.2.3.4', transferSyntaxUid: EXPLICIT, collector, ...over };
}

function recording(status: number): { handler: StoreHandler; seen: StoreRequest[] } {
  const seen: StoreRequest[] = [];
  return { seen, handler: { onStore: async (r) => (seen.push(r), status) } };
}

describe('answerStore', () => {
  it('hands the handler the data set framed as Part-10 in its own syntax, and answers with its status', async () => {
    const dataset = Buffer.from([0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 0x02, 0x00, 0x31, 0x00]);
    const { handler, seen } = recording(0xb000);
    const status = await answerStore(store(collected(1000, dataset.subarray(0, 4), dataset.subarray(4))), handler, silentLogger);
    expect(status).toBe(0xb000);
    expect(seen).toHaveLength(1);
    const got = seen[0]!;
    expect(got).toMatchObject({ association, sopInstanceUid: '1.2.3.4', transferSyntaxUid: EXPLICIT, receivedBytes: undefined });
    const split = splitPart10(got.bytes);
    expect(split).toMatchObject({ sopClassUid: FIELDS.sopClassUid, sopInstanceUid: '1.2.3.4', transferSyntaxUid: EXPLICIT });
    expect(got.bytes.subarray(split.datasetOffset)).toEqual(dataset);
  });

  it('gives the data set\'s buffer back once a handler that is done with it has answered, not before, and never for one that may keep it', async () => {
    const c = collected(1000, Buffer.alloc(10, 1));
    let released = 0;
    const release = c.release.bind(c);
    c.release = () => (released++, release());
    const handler: StoreHandler = { doneWithBytesOnAnswer: true, onStore: async () => (expect(released).toBe(0), DimseStatus.Success) };
    await answerStore(store(c), handler, silentLogger);
    expect(released).toBe(1);
    const failing: StoreHandler = { doneWithBytesOnAnswer: true, onStore: async () => Promise.reject(new Error('disk gone')) };
    await answerStore(store(c), failing, silentLogger);
    expect(released).toBe(2);
    await answerStore(store(c), { onStore: async () => DimseStatus.Success }, silentLogger);
    expect(released).toBe(2);
  });

  it('reports the full size of an oversize data set next to its head', async () => {
    const { handler, seen } = recording(DimseStatus.Success);
    await answerStore(store(collected(10, Buffer.alloc(8), Buffer.alloc(8))), handler, silentLogger);
    expect(seen[0]?.receivedBytes).toBe(16);
  });

  it('answers 0x0110 when the handler fails', async () => {
    const failing: StoreHandler = { onStore: async () => Promise.reject(new Error('disk gone')) };
    expect(await answerStore(store(collected(100, Buffer.alloc(4))), failing, silentLogger)).toBe(DimseStatus.ProcessingFailure);
  });

  it('answers 0x0110 without calling the handler when there is nothing to store', async () => {
    const { handler, seen } = recording(DimseStatus.Success);
    const bytes = collected(100, Buffer.alloc(4));
    expect(await answerStore(store(undefined), handler, silentLogger)).toBe(DimseStatus.ProcessingFailure);
    expect(await answerStore(store(bytes, { association: undefined }), handler, silentLogger)).toBe(DimseStatus.ProcessingFailure);
    expect(await answerStore(store(bytes, { transferSyntaxUid: undefined }), handler, silentLogger)).toBe(DimseStatus.ProcessingFailure);
    expect(seen).toHaveLength(0);
  });
});

describe('storeCollector', () => {
  it('refuses a command without its UIDs, or with a UID no Part-10 element can hold', () => {
    expect(() => storeCollector({ ...FIELDS, sopClassUid: '' }, 100)).toThrow(/Affected SOP Class or Instance UID/);
    expect(() => storeCollector({ ...FIELDS, sopInstanceUid: '' }, 100)).toThrow(/Affected SOP Class or Instance UID/);
    // A UID longer than a 16-bit element length can hold.
    expect(() => storeCollector({ ...FIELDS, sopInstanceUid: '1'.repeat(70_000) }, 100)).toThrow();
  });
});
