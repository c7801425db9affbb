import { describe, expect, it } from 'vitest';
import { PresentationReason, RejectResult, RejectSource, ServiceUserReason } from './associate-reject.js';
import { answerPresentationContext, decideAssociation, negotiatedMaxPdu, VERIFICATION_SOP_CLASS } from './association-policy.js';
import type { AssociationPolicy, AssociationRequest } from './types.js';

const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const JPEG_LS = '1.2.840.10008.1.2.4.80';
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';

const req: AssociationRequest = {
  id: 'a1',
  callingAeTitle: 'CT1',
  calledAeTitle: 'NODE',
  remoteAddress: '10.0.0.5',
  remotePort: 40000,
  tls: false,
  listener: 'main',
  proposedContexts: [],
};

const acceptAll: AssociationPolicy = { evaluate: () => ({ accept: true }) };

describe('decideAssociation', () => {
  it('asks the policy while the listener is below its association limit', () => {
    const denyAll: AssociationPolicy = {
      evaluate: () => ({ accept: false, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: ServiceUserReason.CallingAeTitleNotRecognized, why: 'no' }),
    };
    expect(decideAssociation(req, acceptAll, { openAssociations: 1, maxAssociations: 2 })).toEqual({ accept: true });
    expect(decideAssociation(req, acceptAll, { openAssociations: 500 })).toEqual({ accept: true });
    expect(decideAssociation(req, denyAll, { openAssociations: 0 })).toMatchObject({ accept: false, result: 1, source: 1, reason: 3, why: 'no' });
  });

  it('rejects transiently with local-limit-exceeded at the limit, without asking the policy', () => {
    let asked = false;
    const policy: AssociationPolicy = {
      evaluate: () => {
        asked = true;
        return { accept: true };
      },
    };
    expect(decideAssociation(req, policy, { openAssociations: 2, maxAssociations: 2 })).toEqual({
      accept: false,
      result: 2,
      source: 3,
      reason: PresentationReason.LocalLimitExceeded,
      why: 'max associations (2) reached',
    });
    expect(asked).toBe(false);
  });

  it('turns a throwing policy into a transient service-user reject naming the failure', () => {
    const broken: AssociationPolicy = {
      evaluate: () => {
        throw new Error('database locked');
      },
    };
    expect(decideAssociation(req, broken, { openAssociations: 0 })).toEqual({
      accept: false,
      result: 2,
      source: 1,
      reason: 1,
      why: 'policy failed: database locked',
    });
  });
});

describe('answerPresentationContext', () => {
  const accepted = new Set([JPEG_LS, EXPLICIT, IMPLICIT]);

  it('gives a storage context the first proposed syntax the listener accepts, in the proposer order', () => {
    expect(answerPresentationContext(CT_IMAGE, ['1.2.840.10008.1.2.4.50', EXPLICIT, JPEG_LS], accepted)).toEqual({ accept: true, transferSyntax: EXPLICIT });
  });

  it('refuses a storage context whose syntaxes are all refused, with a reason to log', () => {
    expect(answerPresentationContext(CT_IMAGE, ['1.2.840.10008.1.2.4.50'], new Set([IMPLICIT]))).toEqual({
      accept: false,
      reason: 'transfer-syntaxes-not-supported',
      why: 'no proposed transfer syntax is accepted',
    });
  });

  it('refuses a SOP class that is not storage or verification', () => {
    expect(answerPresentationContext(MODALITY_WORKLIST_FIND, [IMPLICIT], accepted)).toMatchObject({ accept: false, reason: 'abstract-syntax-not-supported' });
  });

  it('answers verification with an uncompressed syntax whatever the listener accepts', () => {
    expect(answerPresentationContext(VERIFICATION_SOP_CLASS, [JPEG_LS, EXPLICIT], new Set([JPEG_LS]))).toEqual({ accept: true, transferSyntax: EXPLICIT });
    expect(answerPresentationContext(VERIFICATION_SOP_CLASS, [JPEG_LS], accepted)).toEqual({ accept: false, reason: 'transfer-syntaxes-not-supported' });
  });
});

describe('negotiatedMaxPdu', () => {
  it('announces the smaller of the two, or ours when the peer sets no limit', () => {
    expect(negotiatedMaxPdu(16_384, 262_144)).toBe(16_384);
    expect(negotiatedMaxPdu(1_048_576, 262_144)).toBe(262_144);
    expect(negotiatedMaxPdu(0, 262_144)).toBe(262_144);
  });
});
