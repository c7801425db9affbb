import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/part10.js';
import { DimseStatus } from '../dicom/status.js';
import { buildStowBody } from '../export/stow-rs.js';
import type { IngestInput, IngestResult } from '../receive/receive-types.js';
import { storeParts, type StowPartsOptions } from './stow-parts.js';

const DIR = join(import.meta.dirname, '../../sample-studies/ct5n');
const FILES = readdirSync(DIR).map((f) => readFileSync(join(DIR, f)));
const uidsOf = (b: Buffer) => {
  const { dataset } = readPart10(b, { untilPixelData: true });
  return { sop: dataset.SOPInstanceUID as string, sopClass: dataset.SOPClassUID as string, study: dataset.StudyInstanceUID as string };
};
const STUDY = uidsOf(FILES[0]!).study;

/** A receiver double: stores everything that starts like Part-10, "quarantines" the rest. */
function fakeReceiver() {
  const seen: IngestInput[] = [];
  const ingest = async (input: IngestInput): Promise<IngestResult> => {
    seen.push(input);
    const bytes = Buffer.from(input.bytes);
    if (bytes.toString('ascii', 128, 132) !== 'DICM') return { status: DimseStatus.CannotUnderstand, outcome: 'quarantined', quarantineId: seen.length };
    return { status: 0, outcome: 'stored', instanceId: seen.length };
  };
  const identify = (r: IngestResult) => {
    if (r.instanceId === undefined) return undefined;
    const { sop, sopClass } = uidsOf(Buffer.from(seen[r.instanceId - 1]!.bytes));
    return { sopClassUid: sopClass, sopInstanceUid: sop };
  };
  let refusedBytes = 0;
  return { seen, deps: { ingest, identify, onRefused: (n: number) => void (refusedBytes += n) }, refused: () => refusedBytes };
}

const options = (boundary: string, o: Partial<StowPartsOptions> = {}): StowPartsOptions => ({
  boundary,
  callingAe: 'RIS_WEB',
  calledAe: 'UNIMIE',
  associationId: 'stow-1',
  maxPartBytes: 2 * 1024 * 1024,
  maxRequestBytes: 64 * 1024 * 1024,
  maxParts: 100,
  ...o,
});

/** The body in small chunks, as a socket delivers it. */
function stream(body: Buffer, chunk = 7919): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunk) chunks.push(body.subarray(i, i + chunk));
  return Readable.from(chunks);
}

const boundaryOf = (contentType: string) => /boundary=(.+)$/.exec(contentType)![1]!;

describe('storeParts: a multipart/related body into the receiver, part by part', () => {
  it('hands every part to the receiver whole, with the client as calling AE, in order', async () => {
    const { body, contentType } = buildStowBody(FILES);
    const r = fakeReceiver();
    const result = await storeParts(stream(body), options(boundaryOf(contentType)), r.deps);
    expect(result.stop).toBeUndefined();
    expect(r.seen.map((s) => Buffer.compare(Buffer.from(s.bytes), FILES[r.seen.indexOf(s)]!))).toEqual(FILES.map(() => 0));
    expect(r.seen.every((s) => s.callingAe === 'RIS_WEB' && s.calledAe === 'UNIMIE' && s.associationId === 'stow-1')).toBe(true);
    expect(result.outcomes.map((o) => o.kind === 'stored' && o.sopInstanceUid)).toEqual(FILES.map((f) => uidsOf(f).sop));
  });

  it('fails an instance of another study than the path names with 0xA900, without storing it', async () => {
    const other = Buffer.from(FILES[1]!);
    const { body, contentType } = buildStowBody([FILES[0]!, other]);
    const r = fakeReceiver();
    const result = await storeParts(stream(body), options(boundaryOf(contentType), { studyUid: '1.2.3.999' }), r.deps);
    expect(r.seen).toHaveLength(0);
    expect(result.outcomes.map((o) => o.kind === 'failed' && o.reason)).toEqual([0xa900, 0xa900]);
    expect(result.outcomes[0]).toMatchObject({ sopInstanceUid: uidsOf(FILES[0]!).sop });
    expect(r.refused()).toBe(FILES[0]!.length + other.length);

    const same = await storeParts(stream(body), options(boundaryOf(contentType), { studyUid: STUDY }), fakeReceiver().deps);
    expect(same.outcomes.every((o) => o.kind === 'stored')).toBe(true);
  });

  it('passes a corrupt part to the receiver (which quarantines it) and fails a part of another media type', async () => {
    const corrupt = Buffer.from('not dicom at all');
    const boundary = 'b0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), FILES[0]!,
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), corrupt,
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: image/jpeg\r\n\r\n`), Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = fakeReceiver();
    const result = await storeParts(stream(body, 1000), options(boundary), r.deps);
    expect(r.seen.map((s) => s.bytes.length)).toEqual([FILES[0]!.length, corrupt.length]);
    expect(result.outcomes.map((o) => [o.kind, o.kind === 'failed' ? o.reason : 0])).toEqual([['stored', 0], ['failed', 0xc000], ['failed', 0xc000]]);
  });

  it('stops with 413 at a part over the instance limit, or a body over the request limit, keeping what came before', async () => {
    const { body, contentType } = buildStowBody(FILES.slice(0, 3));
    const size = FILES[0]!.length;
    const perPart = await storeParts(stream(body), options(boundaryOf(contentType), { maxPartBytes: size - 1 }), fakeReceiver().deps);
    expect(perPart.stop).toMatchObject({ httpStatus: 413, code: 'PACS_E_TOO_LARGE', message: expect.stringContaining('limits.maxInstanceMb') });
    expect(perPart.outcomes).toHaveLength(0);

    const r = fakeReceiver();
    const whole = await storeParts(stream(body), options(boundaryOf(contentType), { maxRequestBytes: size * 2 + 10 }), r.deps);
    expect(whole.stop).toMatchObject({ httpStatus: 413, message: expect.stringContaining('stow.maxRequestMb') });
    expect(whole.outcomes.filter((o) => o.kind === 'stored')).toHaveLength(2);

    const parts = await storeParts(stream(body), options(boundaryOf(contentType), { maxParts: 2 }), fakeReceiver().deps);
    expect(parts.stop).toMatchObject({ httpStatus: 413, message: expect.stringContaining('maxInstancesPerRequest') });
  });

  it('stops with 400 at a body that is not multipart with that boundary', async () => {
    const result = await storeParts(Readable.from([Buffer.from('garbage without a boundary, long enough to be looked at')]), options('xyz'), fakeReceiver().deps);
    expect(result.stop).toMatchObject({ httpStatus: 400, code: 'PACS_E_BAD_REQUEST' });
    const truncated = buildStowBody(FILES.slice(0, 1));
    const cut = await storeParts(stream(truncated.body.subarray(0, 2000)), options(boundaryOf(truncated.contentType)), fakeReceiver().deps);
    expect(cut.stop).toMatchObject({ httpStatus: 400 });
  });
});

describe('storeParts: what real clients send', () => {
  it('ignores a preamble before the first boundary (dicomweb-client starts with CRLF) and a body without a final CRLF', async () => {
    const boundary = 'c0ffee';
    const body = Buffer.concat([
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), FILES[0]!,
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), FILES[1]!,
      Buffer.from(`\r\n--${boundary}--`),
    ]);
    for (const chunk of [1, 3, 4096]) {
      const result = await storeParts(stream(body, chunk), options(boundary), fakeReceiver().deps);
      expect(result.stop, `chunks of ${chunk}`).toBeUndefined();
      expect(result.outcomes.map((o) => o.kind === 'stored' && o.sopInstanceUid)).toEqual([uidsOf(FILES[0]!).sop, uidsOf(FILES[1]!).sop]);
    }
  });
});
