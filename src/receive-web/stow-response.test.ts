import { describe, expect, it } from 'vitest';
import { DimseStatus } from '../dicom/status.js';
import { parseStowResponse } from '../export/stow-rs.js';
import { outcomeOfStatus, storeInstancesResponse, stowHttpStatus, type PartOutcome } from './stow-response.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const stored = (uid: string, warning?: number): PartOutcome => ({ kind: 'stored', sopClassUid: CT, sopInstanceUid: uid, ...(warning !== undefined ? { warning } : {}) });
const failed = (uid: string | undefined, reason: number): PartOutcome => ({ kind: 'failed', sopClassUid: uid && CT, sopInstanceUid: uid, reason, why: 'test' });

describe('STOW-RS HTTP status (PS3.18 Table 10.5.3-1)', () => {
  it.each([
    ['every instance stored', [stored('1.1'), stored('1.2')], 200],
    ['one stored with a warning', [stored('1.1'), stored('1.2', DimseStatus.WarningCoercion)], 202],
    ['some stored, some failed', [stored('1.1'), failed('1.2', DimseStatus.CannotUnderstand)], 202],
    ['none stored', [failed('1.1', DimseStatus.DataSetDoesNotMatchSopClass), failed(undefined, DimseStatus.CannotUnderstand)], 409],
    ['no instance at all', [], 400],
  ] as const)('%s → %i', (_what, outcomes, status) => {
    expect(stowHttpStatus(outcomes)).toBe(status);
  });
});

describe('Store Instances Response Module (PS3.18 Annex I, DICOM JSON)', () => {
  it('lists stored instances in the Referenced SOP Sequence and failed ones with their Failure Reason', () => {
    const body = storeInstancesResponse([stored('1.1'), failed('1.2', DimseStatus.OutOfResources), stored('1.3', 0xb007)]);
    expect(body['00081190']).toEqual({ vr: 'UR' });
    expect(body['00081199']).toEqual({
      vr: 'SQ',
      Value: [
        { '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.1'] }, '00081190': { vr: 'UR' } },
        { '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.3'] }, '00081190': { vr: 'UR' }, '00081196': { vr: 'US', Value: [0xb007] } },
      ],
    });
    expect(body['00081198']).toEqual({
      vr: 'SQ',
      Value: [{ '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.2'] }, '00081197': { vr: 'US', Value: [0xa700] } }],
    });
    // The node's own STOW-RS client reads it back the same way.
    expect(parseStowResponse(JSON.stringify(body))).toEqual({
      present: true,
      stored: [{ sopInstanceUid: '1.1' }, { sopInstanceUid: '1.3', reason: 0xb007 }],
      failed: [{ sopInstanceUid: '1.2', reason: 0xa700 }],
    });
  });

  it('leaves out an empty sequence (Type 1C) and sends unknown UIDs as empty attributes', () => {
    const body = storeInstancesResponse([failed(undefined, DimseStatus.CannotUnderstand)]);
    expect(body['00081199']).toBeUndefined();
    expect(body['00081198']!.Value).toEqual([{ '00081150': { vr: 'UI' }, '00081155': { vr: 'UI' }, '00081197': { vr: 'US', Value: [0xc000] } }]);
    expect(storeInstancesResponse([stored('1.1')])['00081198']).toBeUndefined();
  });
});

describe('receive status → part outcome', () => {
  const ids = { sopClassUid: CT, sopInstanceUid: '1.9' };
  it('success is stored, a warning is stored with its Warning Reason, a failure keeps the status as Failure Reason', () => {
    expect(outcomeOfStatus(0, ids, 'stored')).toEqual({ kind: 'stored', ...ids });
    expect(outcomeOfStatus(0xb000, ids, 'stored')).toEqual({ kind: 'stored', ...ids, warning: 0xb000 });
    expect(outcomeOfStatus(0xa700, ids, 'refused (PACS_E_DISK_FULL)')).toEqual({ kind: 'failed', ...ids, reason: 0xa700, why: 'refused (PACS_E_DISK_FULL)' });
    expect(outcomeOfStatus(0x0110, ids, 'x')).toMatchObject({ kind: 'failed', reason: 0x0110 });
  });
});
