/**
 * What the network of each preset measurably contributes, from the last ablation run
 * (`npm run eval -- --ablate`): the preset against its network-free twin on the same degraded
 * images. The evaluation writes this record (eval/results/contribution.json); the node reads it
 * to label a derived series truthfully (a preset below the bar is named as the classical
 * enhancement it is, not as UniMIE) and the API and dashboard show it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/** Pooled PSNR gain over the twin on the noisy degradations a preset needs to be called UniMIE. */
export const UNIMIE_CONTRIBUTION_BAR_DB = 1.0;

const KindContribution = Type.Object(
  {
    cases: Type.Integer({ minimum: 0 }),
    /** Mean PSNR (dB) of the preset minus that of its twin, against the clean images. */
    contributionDb: Type.Number(),
    /** Mean SSIM of the preset minus that of its twin. */
    contributionSsim: Type.Number(),
    /** Mean PSNR (dB) of the preset's output against the twin's output: high = they agree. */
    agreementDb: Type.Number(),
  },
  { additionalProperties: false },
);

export const PresetContributionSchema = Type.Object(
  {
    model: Type.Object({ id: Type.String(), sha256: Type.String() }, { additionalProperties: false }),
    /** Pooled over the noisy degradation kinds (the bar applies to this). */
    noisy: KindContribution,
    /** Pooled over every kind evaluated. */
    all: KindContribution,
    perKind: Type.Record(Type.String(), KindContribution),
    /**
     * Pooled over the noisy kinds on the held-out gate subset alone (the images the CI gate judges
     * the label on), when the evaluation included it.
     */
    gateSubset: Type.Optional(KindContribution),
    /** noisy.contributionDb ≥ UNIMIE_CONTRIBUTION_BAR_DB, and gateSubset's too where it was measured. */
    meetsBar: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ContributionRecordSchema = Type.Object(
  {
    createdAt: Type.String(),
    /** Commit the evaluation ran on (git HEAD), or "unknown". */
    commit: Type.String(),
    /** Image set the figures come from (`heldout`, `dev`, …). */
    set: Type.String(),
    barDb: Type.Number(),
    presets: Type.Record(Type.String(), PresetContributionSchema),
  },
  { additionalProperties: false },
);

export type KindContribution = Static<typeof KindContribution>;
export type ContributionRecord = Static<typeof ContributionRecordSchema>;

const validate = new Ajv({ allErrors: true, strict: false }).compile(ContributionRecordSchema);

/** Parse and check a contribution record; throws a RangeError naming what is wrong. */
export function parseContributionRecord(json: string): ContributionRecord {
  const value: unknown = JSON.parse(json);
  if (!validate(value)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new RangeError(`not a contribution record: ${why}`);
  }
  return value as ContributionRecord;
}

/**
 * Whether a preset's pixels may be called UniMIE with this model: only when the last ablation
 * measured this preset with this model (same hash) and its network cleared the bar.
 */
export function earnsUnimieName(record: ContributionRecord | undefined, preset: string, modelSha256: string): boolean {
  const c = record?.presets[preset];
  return c !== undefined && c.model.sha256 === modelSha256 && c.meetsBar;
}
