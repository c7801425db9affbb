import { describe, expect, it } from 'vitest';
import { ConfigError, PermanentTransportError, TransientTransportError } from '../shared/errors.js';
import { classifyError, classifyOutcome } from './failure-class.js';

const o = (status?: number, permanent?: boolean) => ({ sopInstanceUid: '1.2', status, permanent });

describe('classifyOutcome', () => {
  it('success and warnings are delivered', () => {
    expect(classifyOutcome(o(0))).toBe('delivered');
    expect(classifyOutcome(o(0xb000))).toBe('delivered');
    expect(classifyOutcome(o(0xb007))).toBe('delivered');
  });
  it('out of resources and processing failure are retried', () => {
    expect(classifyOutcome(o(0xa700))).toBe('retry');
    expect(classifyOutcome(o(0xa7ff))).toBe('retry');
    expect(classifyOutcome(o(0x0110))).toBe('retry');
  });
  it('data set mismatch, cannot understand, unsupported SOP class, not authorized are dead', () => {
    for (const s of [0xa900, 0xc000, 0xc123, 0x0122, 0x0124, 0x0111]) expect(classifyOutcome(o(s))).toBe('dead');
  });
  it('no status: retried unless the transport says permanent', () => {
    expect(classifyOutcome(o())).toBe('retry');
    expect(classifyOutcome(o(undefined, true))).toBe('dead');
  });
});

describe('classifyError', () => {
  it('permanent transport errors are dead, transient and unknown errors retried', () => {
    expect(classifyError(new PermanentTransportError('rejected'))).toBe('dead');
    expect(classifyError(new TransientTransportError('refused'))).toBe('retry');
    expect(classifyError(new Error('boom'))).toBe('retry');
    expect(classifyError(new ConfigError('x', { dimseStatus: 0xa900 }))).toBe('dead');
  });
});
