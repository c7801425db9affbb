import { Type, type Static } from '@sinclair/typebox';
import type { ContributionStatus } from '../pipeline/contribution-source.js';
import { namePreset } from '../pipeline/run-naming.js';
import type { ModelStatus } from './api-deps.js';
import { ModelView, Nullable } from './schemas.js';

/**
 * GET /api/models: each model with the presets that use it and, per preset, the last ablation's
 * measured network contribution (gain over the network-free twin on noisy kinds, agreement, set,
 * commit, date) and whether it earns the UniMIE name with this model, as the node decides it when
 * it labels a derived series (run-naming.ts). Pure.
 */

const KindFigures = Type.Object({
  cases: Type.Integer(),
  contributionDb: Type.Number({ description: 'mean PSNR of the preset minus that of its network-free twin (dB)' }),
  contributionSsim: Type.Number({ description: 'mean SSIM of the preset minus that of its twin' }),
  agreementDb: Type.Number({ description: 'PSNR of the preset output against the twin output (high = they agree)' }),
});

export const MeasurementView = Type.Object({
  set: Type.String(),
  commit: Type.String(),
  createdAt: Type.String(),
  barDb: Type.Number(),
  modelId: Type.String(),
  modelSha256: Type.String(),
  noisy: KindFigures,
  all: KindFigures,
  meetsBar: Type.Boolean(),
});

export const PresetContributionView = Type.Object({
  name: Type.String(),
  /** True only when the preset earns the name with this model: what its derived series are called. */
  unimie: Type.Boolean(),
  label: Type.Union([Type.Literal('UniMIE'), Type.Literal('classical')]),
  reason: Type.String(),
  measurement: Nullable(MeasurementView),
});

export const ContributionRecordView = Type.Object({
  path: Type.String(),
  state: Type.Union([Type.Literal('loaded'), Type.Literal('missing'), Type.Literal('unreadable')]),
  problem: Type.Optional(Type.String()),
});

export const ModelWithContributionView = Type.Composite([
  ModelView,
  Type.Object({ presets: Type.Array(PresetContributionView), contributionRecord: Nullable(ContributionRecordView) }),
]);

export type ModelWithContribution = Static<typeof ModelWithContributionView>;

/** The models joined with the presets that name them and each preset's measured contribution. */
export function modelsWithContribution(
  models: readonly ModelStatus[],
  presets: Readonly<Record<string, { model: string }>>,
  status: ContributionStatus | undefined,
): ModelWithContribution[] {
  const record = status?.record;
  const recordView = status ? { path: status.path, state: status.state, ...(status.problem ? { problem: status.problem } : {}) } : null;
  return models.map((m) => ({
    ...m,
    contributionRecord: recordView,
    presets: Object.entries(presets)
      .filter(([, p]) => p.model === m.id)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name]) => {
        const naming = namePreset(record, name, { id: m.id, sha256: m.sha256 ?? '' });
        const reason =
          status?.state === 'unreadable'
            ? `contribution record unreadable (${status.problem ?? 'unknown problem'}): no measurement`
            : m.sha256 === undefined
              ? `model not loaded: ${naming.reason}`
              : naming.reason;
        return {
          name,
          unimie: naming.unimie,
          label: naming.unimie ? ('UniMIE' as const) : ('classical' as const),
          reason,
          measurement: naming.measurement ?? null,
        };
      }),
  }));
}
