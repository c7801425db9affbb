import { describe, expect, it } from 'vitest';
import { checkKnownFailures, failureKey, failurePreset } from './known-failures.js';

describe('known gate failures', () => {
  const a = 'endoscopy-default img/low-contrast-noisy: PSNR 18.06 dB is more than 0.5 dB below the input\'s 19.57 dB';
  const b = 'ct-default img/low-dose-ct: background entropy rose by 0.966 bits (limit 0.2)';

  it('keys a message without its figures and names its preset', () => {
    expect(failureKey(a)).toBe('endoscopy-default img/low-contrast-noisy: PSNR # dB is more than # dB below the input\'s # dB');
    expect(failureKey(a.replace('18.06', '17.90'))).toBe(failureKey(a));
    expect(failurePreset(a)).toBe('endoscopy-default');
    expect(failurePreset('ct-default: not evaluated')).toBe('ct-default');
  });

  it('reports failures the list does not know, listed ones that are fixed, and listed label failures', () => {
    const known = { reason: 'r', failures: [failureKey(a)] };
    expect(checkKnownFailures([a], known)).toEqual({ unexpected: [], fixed: [], labelFailures: [] });
    expect(checkKnownFailures([a, b], known).unexpected).toEqual([b]);
    expect(checkKnownFailures([], known).fixed).toEqual([failureKey(a)]);
    const label = 'ct-default network contribution: 0.40 dB over its network-free twin on the noisy kinds is below the 1 dB bar, but contribution.json lets it be called UniMIE';
    expect(checkKnownFailures([label], { reason: 'r', failures: [failureKey(label)] }).labelFailures).toEqual([failureKey(label)]);
  });
});
