import { describe, expect, it } from 'vitest';
import { OidcRefusal, refusalReason } from './oidc-flow.js';

describe('refusalReason', () => {
  it('names the failed claim and the most specific cause', () => {
    const inner = Object.assign(new Error('unexpected JWT "aud" (audience) claim value'), { cause: { claim: 'aud', expected: 'unimie-node' } });
    const outer = new Error('unexpected JWT claim value encountered', { cause: inner });
    expect(refusalReason(outer)).toBe('unexpected JWT claim value encountered: unexpected JWT "aud" (audience) claim value (claim aud)');
    expect(refusalReason(new OidcRefusal('no sign-in under way'))).toBe('no sign-in under way');
    expect(refusalReason(new Error('fetch failed'))).toBe('fetch failed');
  });
});
