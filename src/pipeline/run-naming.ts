import type { AppliedProcessing } from '../enhance/applied-processing.js';
import { earnsUnimieName, type ContributionRecord, type KindContribution } from '../enhance/measured-contribution.js';

/**
 * Whether a derived series may be called UniMIE, and why. Only a preset whose network the last
 * ablation measured with this very model (same SHA-256) and found above the bar earns the name;
 * every other enhancement is labelled as the classical processing it is. Pure.
 */

/** The figures of the last ablation for one preset, as the texts, provenance and API show them. */
export interface PresetMeasurement {
  /** Image set the figures come from (`heldout`, `dev`, …). */
  set: string;
  /** Commit the evaluation ran on. */
  commit: string;
  /** When the evaluation ran (ISO 8601, as the record says). */
  createdAt: string;
  /** Pooled PSNR gain over the twin on noisy kinds needed for the name (dB). */
  barDb: number;
  /** The model the figures were measured with. */
  modelId: string;
  modelSha256: string;
  /** Pooled over the noisy degradation kinds: gain over the network-free twin and agreement. */
  noisy: KindContribution;
  /** Pooled over every kind evaluated. */
  all: KindContribution;
  meetsBar: boolean;
}

/** What a preset is called before any slice runs (the record is read once per job). */
export interface PresetNaming {
  /** True only when `earnsUnimieName` says so. */
  unimie: boolean;
  /** The record's figures for this preset, whatever model they were measured with; absent when none. */
  measurement?: PresetMeasurement;
  /** One sentence: why the preset is (not) called UniMIE. */
  reason: string;
}

/** What one enhanced image is called, once the engine said what ran. */
export interface RunNaming extends PresetNaming {
  applied: AppliedProcessing;
}

/** The name decision for a preset run with a model, from the contribution record (undefined = none). */
export function namePreset(record: ContributionRecord | undefined, preset: string, model: { id: string; sha256: string }): PresetNaming {
  if (!record) return { unimie: false, reason: 'no measurement of the network contribution (no contribution record)' };
  const c = record.presets[preset];
  if (!c) return { unimie: false, reason: `no measurement of the network contribution for preset ${preset}` };
  const measurement: PresetMeasurement = {
    set: record.set,
    commit: record.commit,
    createdAt: record.createdAt,
    barDb: record.barDb,
    modelId: c.model.id,
    modelSha256: c.model.sha256,
    noisy: c.noisy,
    all: c.all,
    meetsBar: c.meetsBar,
  };
  if (c.model.sha256 !== model.sha256) {
    return {
      unimie: false,
      measurement,
      reason: `measured with model sha256:${c.model.sha256.slice(0, 16)}, not with this model (sha256:${model.sha256.slice(0, 16)})`,
    };
  }
  const gain = `${signed(c.noisy.contributionDb, 2)} dB over its network-free twin on noisy kinds`;
  if (earnsUnimieName(record, preset, model.sha256)) return { unimie: true, measurement, reason: `network measured ${gain} (bar ${record.barDb} dB)` };
  return { unimie: false, measurement, reason: `network measured ${gain}, below the ${record.barDb} dB bar` };
}

/** The preset's name decision for one image: a network-free run (no model call) is never UniMIE. */
export function nameRun(preset: PresetNaming, applied: AppliedProcessing): RunNaming {
  if (applied.estimator === 'network-free' || applied.networkEvaluationsPerPatch === 0) {
    return { ...preset, unimie: false, reason: 'network-free run: the network was not called', applied };
  }
  return { ...preset, applied };
}

/** A number with its sign (+1.42, -0.17). */
export function signed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  if (Number(s) === 0) return (0).toFixed(digits);
  return v > 0 ? `+${s}` : s;
}
