import { describe, expect, it } from 'vitest';
import { UNSTATED_DEIDENTIFICATION_METHOD, withDeidentificationMethod } from './deidentification.js';

const CODE = [{ CodeValue: '113100', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Basic Application Confidentiality Profile' }];

describe('withDeidentificationMethod (PS3.3 C.7.1.1 Type 1C pair)', () => {
  it('adds a method text when the source says YES and names no method', () => {
    const out = withDeidentificationMethod({ PatientID: 'X', PatientIdentityRemoved: 'YES' });
    expect(out).toEqual({ PatientID: 'X', PatientIdentityRemoved: 'YES', DeidentificationMethod: UNSTATED_DEIDENTIFICATION_METHOD });
    expect(UNSTATED_DEIDENTIFICATION_METHOD.length).toBeLessThanOrEqual(64);
  });

  it('treats an empty method and an empty code sequence as absent', () => {
    const out = withDeidentificationMethod({ PatientIdentityRemoved: 'YES', DeidentificationMethod: '', DeidentificationMethodCodeSequence: [] });
    expect(out.DeidentificationMethod).toBe(UNSTATED_DEIDENTIFICATION_METHOD);
    expect(out).not.toHaveProperty('DeidentificationMethodCodeSequence');
  });

  it("keeps the source's method or code sequence as copied", () => {
    const withMethod = { PatientIdentityRemoved: 'YES', DeidentificationMethod: ['DICOM PS3.15 E.1', 'retain dates'] };
    expect(withDeidentificationMethod(withMethod)).toEqual(withMethod);
    const withCodes = { PatientIdentityRemoved: 'YES', DeidentificationMethodCodeSequence: CODE };
    expect(withDeidentificationMethod(withCodes)).toEqual(withCodes);
  });

  it('adds nothing when identity is not claimed removed (NO, absent, lower case yes counts as YES)', () => {
    expect(withDeidentificationMethod({ PatientIdentityRemoved: 'NO' })).toEqual({ PatientIdentityRemoved: 'NO' });
    expect(withDeidentificationMethod({ PatientID: 'X' })).toEqual({ PatientID: 'X' });
    expect(withDeidentificationMethod({ PatientIdentityRemoved: 'yes ' }).DeidentificationMethod).toBe(UNSTATED_DEIDENTIFICATION_METHOD);
  });
});
