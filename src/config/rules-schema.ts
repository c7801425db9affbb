import { Type, type Static } from '@sinclair/typebox';
import { memoOverOutputKinds, outputKindNamed, outputKindNames } from '../derive/output-kinds.js';
import { Defaulted, Name, OneOf, Strict } from './schema-helpers.js';

/** A scalar a condition compares with: strings as written, numbers numerically. */
const Comparable = Type.Union([Type.String(), Type.Number()]);

export const RangeSchema = Strict({
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
});

/**
 * The test part of a condition: exactly one of `equals`, `regex` (a pattern, or `/pattern/flags`)
 * and `range` (inclusive, numeric values only); `not` negates the result.
 */
const conditionProperties = {
  equals: Type.Optional(Comparable),
  regex: Type.Optional(Type.String({ minLength: 1 })),
  range: Type.Optional(RangeSchema),
  not: Defaulted(Type.Boolean(), false),
};

export const ConditionSchema = Strict(conditionProperties);

/** A condition on any attribute: `tag` by keyword (SeriesDescription), `gggg,eeee` or `(gggg,eeee)`. */
export const TagConditionSchema = Strict({ tag: Name, ...conditionProperties });

/** A match field: a bare string or number means `equals`. */
export const FieldConditionSchema = Type.Union([Comparable, ConditionSchema]);

export const MatchSchema = Strict({
  callingAe: Type.Optional(FieldConditionSchema),
  calledAe: Type.Optional(FieldConditionSchema),
  modality: Type.Optional(FieldConditionSchema),
  sopClass: Type.Optional(FieldConditionSchema),
  tags: Type.Optional(Type.Array(TagConditionSchema)),
});

export const CompletionSchema = Strict({
  scope: Defaulted(OneOf(['series', 'study'] as const), 'series'),
  /** Complete once no instance of the series/study arrived for this long. */
  quietSeconds: Defaulted(Type.Number({ minimum: 0 }), 10),
  /** An instance arriving after completion: start a new job that supersedes the old output, or ignore it. */
  lateArrival: Defaulted(OneOf(['supersede', 'ignore'] as const), 'supersede'),
});

/**
 * Derived output kinds, each one module in src/derive/output-kinds/ (dicom/conformance-statement.md):
 * - `sc-rgb`: Secondary Capture RGB, one instance per source slice (default);
 * - `mf-sc-rgb`: one Multi-frame True Color SC object per source series and window, with the
 *   geometry in functional groups and the source Frame of Reference;
 * - `derived-grayscale`: the source's IOD (CT or MR Image Storage; Enhanced CT/MR: one multi-frame
 *   object per source object), luminance mapped back into the window's value range (CT/MR
 *   grayscale sources only);
 * - `vl-endoscopic`: VL Endoscopic Image Storage (VL Endoscopic sources only).
 * A rule may name any registered kind (src/derive/output-kinds.ts).
 */
export { outputKindNames };

/**
 * Why an output kind cannot serve a rule that matches exactly one modality (`modality: US`), or
 * undefined when it can or the rule does not pin one (the job then refuses unfit sources itself).
 */
export function outputKindMismatch(output: string, modality: unknown): string | undefined {
  const allowed = outputKindNamed(output)?.modalities;
  if (!allowed || (typeof modality !== 'string' && typeof modality !== 'number')) return undefined;
  const anyModality = outputKindNames().filter((k) => !outputKindNamed(k)?.modalities);
  return allowed.includes(String(modality).toUpperCase())
    ? undefined
    : `output ${output} needs ${allowed.join(' or ')} sources; this rule matches modality ${modality} (use ${anyModality.join(' or ')})`;
}

/**
 * Either `{ drop: true }`, a processing action, `forward` alone, or a processing action with
 * `forward`. Kept as one object (not a JSON-schema union) so a mistake is reported on the offending
 * key; the loader checks that `drop` stands alone and that a processing action names its
 * destinations.
 */
function buildActionsSchema() {
  return Strict({
      drop: Type.Optional(Type.Literal(true)),
      /** Window presets, one derived series each (names from `windows:` or built in). */
      windows: Type.Optional(Type.Array(Name, { minItems: 1 })),
      /** Enhancement preset name, or `none` for the render-only stage. */
      enhance: Type.Optional(Name),
      output: Type.Optional(OneOf(outputKindNames())),
      destinations: Type.Optional(Type.Array(Name, { minItems: 1 })),
      /**
       * Also send an enhancement report: one Basic Text SR per job, in the source's study and its own
       * series (Modality SR), saying for each derived series its source, model, what ran, seed and
       * the measured before/after figures; delivered with the derived series to `destinations`.
       */
      report: Type.Optional(Type.Boolean()),
      /**
       * Destinations that get the series' original objects as received: every instance stored
       * (including those the node cannot decode, e.g. video), in its own transfer syntax, never
       * re-encoded. Sent when the series completes, before any processing.
       */
      forward: Type.Optional(Type.Array(Name, { minItems: 1 })),
  });
}

function buildRulesFileSchema() {
  const rule = Strict({
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'a rule name of letters, digits, ".", "_" and "-"' }),
    description: Type.Optional(Type.String()),
    /** The explicit default rule: last, no `match`, fires when no other rule did. */
    default: Type.Optional(Type.Boolean()),
    match: Type.Optional(MatchSchema),
    completion: Defaulted(CompletionSchema, { scope: 'series', quietSeconds: 10, lateArrival: 'supersede' }),
    actions: buildActionsSchema(),
    /** Keep evaluating the following rules after this one fires. */
    continue: Type.Optional(Type.Boolean()),
  });
  /** config/rules.yaml. */
  return Strict(
    { rules: Type.Array(rule, { minItems: 1 }) },
    { $id: 'https://unimie-pacs-node.local/schema/rules.schema.json', title: 'UniMIE PACS node: config/rules.yaml' },
  );
}

/** The schema of config/rules.yaml; rebuilt when an output kind was registered since the last call. */
export const rulesFileSchema = memoOverOutputKinds(buildRulesFileSchema);

export type RulesFile = Static<ReturnType<typeof rulesFileSchema>>;
export type ConditionInput = Static<typeof ConditionSchema>;
export type FieldConditionInput = Static<typeof FieldConditionSchema>;
export type TagConditionInput = Static<typeof TagConditionSchema>;
