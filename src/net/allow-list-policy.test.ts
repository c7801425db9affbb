import { describe, expect, it } from 'vitest';
import { AllowListPolicy, hostMatcher, normalizeAddress } from './allow-list-policy.js';
import type { AssociationRequest } from './types.js';

function req(over: Partial<AssociationRequest> = {}): AssociationRequest {
  return {
    id: 'a1',
    callingAeTitle: 'MODALITY',
    calledAeTitle: 'NODE',
    remoteAddress: '10.1.2.3',
    remotePort: 40000,
    tls: false,
    listener: 'main',
    proposedContexts: [],
    ...over,
  };
}

const base = {
  listener: 'main',
  aeTitle: 'NODE',
  allow: [
    { aeTitle: 'MODALITY', hosts: ['10.0.0.0/8', '192.168.1.7'] },
    { aeTitle: 'PACS' },
    { aeTitle: 'V6', hosts: ['fd00::/8'] },
  ],
};

describe('AllowListPolicy', () => {
  it('accepts an allowed calling AE from an allowed host', () => {
    const p = new AllowListPolicy({ listeners: [base] });
    expect(p.evaluate(req())).toEqual({ accept: true });
    expect(p.evaluate(req({ remoteAddress: '192.168.1.7' }))).toEqual({ accept: true });
    expect(p.evaluate(req({ callingAeTitle: 'PACS', remoteAddress: '8.8.8.8' }))).toEqual({ accept: true });
  });

  it('accepts IPv4-mapped IPv6 peers against IPv4 rules, and IPv6 CIDR', () => {
    const p = new AllowListPolicy({ listeners: [base] });
    expect(p.evaluate(req({ remoteAddress: '::ffff:10.9.9.9' }))).toEqual({ accept: true });
    expect(p.evaluate(req({ callingAeTitle: 'V6', remoteAddress: 'fd12::1' }))).toEqual({ accept: true });
    expect(p.evaluate(req({ callingAeTitle: 'V6', remoteAddress: 'fe80::1' })).accept).toBe(false);
  });

  it('ignores AE title space padding (PS3.5 AE VR)', () => {
    const p = new AllowListPolicy({ listeners: [base] });
    expect(p.evaluate(req({ callingAeTitle: 'MODALITY  ', calledAeTitle: 'NODE ' }))).toEqual({ accept: true });
  });

  it('rejects a wrong called AE permanently with reason 7', () => {
    const d = new AllowListPolicy({ listeners: [base] }).evaluate(req({ calledAeTitle: 'OTHER' }));
    expect(d).toMatchObject({ accept: false, result: 1, source: 1, reason: 7 });
  });

  it('rejects an unknown calling AE permanently with reason 3 (default deny)', () => {
    const d = new AllowListPolicy({ listeners: [base] }).evaluate(req({ callingAeTitle: 'STRANGER' }));
    expect(d).toMatchObject({ accept: false, result: 1, source: 1, reason: 3 });
    const empty = new AllowListPolicy({ listeners: [{ ...base, allow: [] }] }).evaluate(req());
    expect(empty).toMatchObject({ accept: false, reason: 3 });
  });

  it('rejects a known AE from a host not allowed with reason 3 and says why', () => {
    const d = new AllowListPolicy({ listeners: [base] }).evaluate(req({ remoteAddress: '172.16.0.1' }));
    expect(d).toMatchObject({ accept: false, result: 1, source: 1, reason: 3 });
    expect(d.accept === false && d.why).toMatch(/host not allowed/);
  });

  it('accepts any calling AE with *, still honouring hosts', () => {
    const p = new AllowListPolicy({ listeners: [{ ...base, allow: [{ aeTitle: '*', hosts: ['127.0.0.1'] }] }] });
    expect(p.evaluate(req({ callingAeTitle: 'ANY', remoteAddress: '127.0.0.1' }))).toEqual({ accept: true });
    expect(p.evaluate(req({ callingAeTitle: 'ANY', remoteAddress: '127.0.0.2' })).accept).toBe(false);
  });

  it('rejects an unknown listener', () => {
    expect(new AllowListPolicy({ listeners: [base] }).evaluate(req({ listener: 'x' }))).toMatchObject({
      accept: false,
      result: 1,
    });
  });

  it('rejects transiently when the disk is low (source 3, temporary congestion)', () => {
    let low = true;
    const p = new AllowListPolicy({ listeners: [base], isDiskLow: () => low });
    expect(p.evaluate(req())).toMatchObject({ accept: false, result: 2, source: 3, reason: 1 });
    low = false;
    expect(p.evaluate(req())).toEqual({ accept: true });
  });

  it('rejects transiently when max associations are open (source 3, local limit exceeded)', () => {
    let open = 2;
    const p = new AllowListPolicy({ listeners: [{ ...base, maxAssociations: 2 }], activeAssociations: () => open });
    expect(p.evaluate(req())).toMatchObject({ accept: false, result: 2, source: 3, reason: 2 });
    open = 1;
    expect(p.evaluate(req())).toEqual({ accept: true });
  });

  it('checks identity before load: an unknown AE gets the permanent reject even when busy', () => {
    const p = new AllowListPolicy({ listeners: [{ ...base, maxAssociations: 0 }], activeAssociations: () => 5, isDiskLow: () => true });
    expect(p.evaluate(req({ callingAeTitle: 'STRANGER' }))).toMatchObject({ result: 1, reason: 3 });
  });
});

describe('hostMatcher', () => {
  it('throws on garbage and bad prefixes', () => {
    expect(() => hostMatcher(['not-an-ip'])).toThrow();
    expect(() => hostMatcher(['10.0.0.0/33'])).toThrow();
  });
  it('normalizes mapped addresses', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(hostMatcher(['::ffff:127.0.0.1'])('127.0.0.1')).toBe(true);
  });
});
