import { describe, expect, it } from 'vitest';
import { classifyOutcome } from './failure-class.js';
import { buildStowBody, isTransientHttpStatus, parseStowResponse, stowOutcomes, stowRequests } from './stow-rs.js';

const uidItem = (uid: string, reasonTag?: string, reason?: number) => ({
  '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
  '00081155': { vr: 'UI', Value: [uid] },
  ...(reasonTag ? { [reasonTag]: { vr: 'US', Value: [reason] } } : {}),
});

describe('buildStowBody', () => {
  it('wraps each Part-10 file in an application/dicom part between boundaries', () => {
    const a = Buffer.from('DICM-a\r\n--x');
    const b = Buffer.from([0, 1, 2, 255]);
    const { contentType, body } = buildStowBody([a, b], () => Buffer.from('0102', 'hex'));
    expect(contentType).toBe('multipart/related; type="application/dicom"; boundary=DICOMwebBoundary0102');
    const expected = Buffer.concat([
      Buffer.from('--DICOMwebBoundary0102\r\nContent-Type: application/dicom\r\n\r\n'),
      a,
      Buffer.from('\r\n--DICOMwebBoundary0102\r\nContent-Type: application/dicom\r\n\r\n'),
      b,
      Buffer.from('\r\n--DICOMwebBoundary0102--\r\n'),
    ]);
    expect(body.equals(expected)).toBe(true);
  });

  it('picks another boundary when a part contains the first one', () => {
    const part = Buffer.from('...--DICOMwebBoundaryaa...');
    const randoms = [Buffer.from('aa', 'hex'), Buffer.from('bb', 'hex')];
    const { contentType } = buildStowBody([part], () => randoms.shift()!);
    expect(contentType).toMatch(/boundary=DICOMwebBoundarybb$/);
  });
});

describe('parseStowResponse', () => {
  it('reads the Referenced and Failed SOP Sequences with their reasons', () => {
    const body = JSON.stringify({
      '00081190': { vr: 'UR', Value: ['http://pacs/dicom-web/studies/1.2'] },
      '00081199': { vr: 'SQ', Value: [uidItem('1.1'), uidItem('1.2', '00081196', 0xb000)] },
      '00081198': { vr: 'SQ', Value: [uidItem('1.3', '00081197', 0xa700)] },
    });
    expect(parseStowResponse(body)).toEqual({
      present: true,
      stored: [{ sopInstanceUid: '1.1' }, { sopInstanceUid: '1.2', reason: 0xb000 }],
      failed: [{ sopInstanceUid: '1.3', reason: 0xa700 }],
    });
  });

  it('takes a data set wrapped in an array, and gives present: false for nothing readable', () => {
    expect(parseStowResponse(JSON.stringify([{ '00081199': { vr: 'SQ', Value: [uidItem('9')] } }])).stored).toEqual([{ sopInstanceUid: '9' }]);
    expect(parseStowResponse('')).toEqual({ stored: [], failed: [], present: false });
    expect(parseStowResponse('<html>oops</html>').present).toBe(false);
  });
});

describe('stowOutcomes and their classification', () => {
  const verdicts = (uids: string[], status: number, body: object | string) =>
    stowOutcomes(uids, status, 'X', parseStowResponse(typeof body === 'string' ? body : JSON.stringify(body))).map((o) => classifyOutcome(o));

  it('200 with every instance referenced: all delivered, warnings included', () => {
    expect(verdicts(['1', '2'], 200, { '00081199': { vr: 'SQ', Value: [uidItem('1'), uidItem('2', '00081196', 0xb007)] } })).toEqual(['delivered', 'delivered']);
  });

  it('a 2xx without a body means stored; a body that leaves an instance out means retry', () => {
    expect(verdicts(['1'], 200, '')).toEqual(['delivered']);
    expect(verdicts(['1', '2'], 200, { '00081199': { vr: 'SQ', Value: [uidItem('1')] } })).toEqual(['delivered', 'retry']);
  });

  it('409 or 202 with a Failed SOP Sequence: each instance by its Failure Reason', () => {
    const body = {
      '00081199': { vr: 'SQ', Value: [uidItem('1')] },
      '00081198': { vr: 'SQ', Value: [uidItem('2', '00081197', 0xa700), uidItem('3', '00081197', 0xc000), uidItem('4', '00081197', 0x0122)] },
    };
    expect(verdicts(['1', '2', '3', '4'], 202, body)).toEqual(['delivered', 'retry', 'dead', 'dead']);
    expect(verdicts(['2', '3'], 409, body)).toEqual(['retry', 'dead']);
    const [o] = stowOutcomes(['3'], 409, 'Conflict', parseStowResponse(JSON.stringify(body)));
    expect(o).toMatchObject({ status: 0xc000, error: 'STOW-RS: failure reason 0xC000 (HTTP 409 Conflict)' });
  });

  it('other 4xx are permanent for the whole request; 5xx, 408 and 429 transient', () => {
    for (const s of [400, 401, 403, 404, 413, 415]) expect(verdicts(['1', '2'], s, ''), String(s)).toEqual(['dead', 'dead']);
    for (const s of [500, 502, 503, 408, 429]) expect(verdicts(['1'], s, ''), String(s)).toEqual(['retry']);
    expect(verdicts(['1'], 409, '')).toEqual(['dead']);
    const [o] = stowOutcomes(['1'], 401, 'Unauthorized', parseStowResponse(''));
    expect(o).toEqual({ sopInstanceUid: '1', error: 'STOW-RS: HTTP 401 Unauthorized', permanent: true });
    expect([408, 429, 500, 599].every(isTransientHttpStatus)).toBe(true);
    expect([400, 401, 404, 409].some(isTransientHttpStatus)).toBe(false);
  });
});

describe('stowRequests', () => {
  const split = (items: Array<[string, number]>, maxInstances: number, maxBytes = 1000) =>
    stowRequests(items, { seriesOf: ([s]) => s, sizeOf: ([, n]) => n, maxInstances, maxBytes }).map((r) => r.map(([s, n]) => `${s}${n}`));

  it('sends the instances of one series together, series apart, in order', () => {
    expect(split([['a', 1], ['b', 2], ['a', 3], ['b', 4], ['a', 5]], 50)).toEqual([['a1', 'a3', 'a5'], ['b2', 'b4']]);
  });

  it('cuts a series at maxInstances and at maxBytes; an instance larger than maxBytes goes alone', () => {
    expect(split([['a', 1], ['a', 2], ['a', 3], ['a', 4], ['a', 5]], 2)).toEqual([['a1', 'a2'], ['a3', 'a4'], ['a5']]);
    expect(split([['a', 400], ['a', 500], ['a', 200], ['a', 2000], ['a', 1]], 50)).toEqual([['a400', 'a500'], ['a200'], ['a2000'], ['a1']]);
  });
});
