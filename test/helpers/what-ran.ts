import type { AppliedProcessing } from '../../src/enhance/applied-processing.js';
import type { ContributionRecord } from '../../src/enhance/measured-contribution.js';

/** Fixtures for what ran on an image and what the last ablation measured (run-naming, texts, API). */

export const SHA = 'ab'.repeat(32);
const kind = (contributionDb: number) => ({ cases: 24, contributionDb, contributionSsim: contributionDb / 100, agreementDb: 31.5 });

/** A record of the last ablation: `strong` clears the 1 dB bar with model SHA, `weak` does not. */
export const RECORD: ContributionRecord = {
  createdAt: '2025-06-01T10:00:00.000Z',
  commit: '0123456789abcdef0123',
  set: 'heldout',
  barDb: 1,
  presets: {
    strong: { model: { id: 'embedded', sha256: SHA }, noisy: kind(1.42), all: kind(0.8), perKind: { 'low-light-noisy': kind(1.42) }, meetsBar: true },
    weak: { model: { id: 'embedded', sha256: SHA }, noisy: kind(0.21), all: kind(0.1), perKind: {}, meetsBar: false },
  },
};

export const APPLIED: AppliedProcessing = {
  estimator: 'network',
  networkEvaluationsPerPatch: 3,
  startTimestep: 222,
  anchoredStart: true,
  patchSize: 256,
  stride: 128,
  patchesPerImage: 1,
  classical: ['contrast-stretch', 'local-gamma-start', 'detail-transfer', 'background-copy'],
};
