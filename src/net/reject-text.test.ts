import { describe, expect, it } from 'vitest';
import { PresentationReason, RejectResult, RejectSource, ServiceUserReason } from './associate-reject.js';
import { describeReject } from './reject-text.js';

describe('describeReject', () => {
  it('names result, source and the reason as that source defines it (PS3.8 Table 9-21)', () => {
    expect(describeReject({ result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: ServiceUserReason.CallingAeTitleNotRecognized })).toBe(
      'rejected-permanent, service-user, calling-AE-title-not-recognized',
    );
    expect(describeReject({ result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: PresentationReason.LocalLimitExceeded })).toBe(
      'rejected-transient, service-provider (presentation), local-limit-exceeded',
    );
    // Reason 2 means something else for each source.
    expect(describeReject({ result: 1, source: RejectSource.ServiceProviderAcse, reason: 2 })).toBe('rejected-permanent, service-provider (ACSE), protocol-version-not-supported');
    expect(describeReject({ result: 1, source: RejectSource.ServiceUser, reason: 2 })).toBe('rejected-permanent, service-user, application-context-name-not-supported');
  });

  it('shows codes the standard does not define as numbers', () => {
    expect(describeReject({ result: 9, source: 4, reason: 5 })).toBe('result 9, source 4, reason 5');
    expect(describeReject({ result: 2, source: 3, reason: 7 })).toBe('rejected-transient, service-provider (presentation), reason 7');
  });
});
