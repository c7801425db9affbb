import { Type, type TSchema, type Static, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

/**
 * A property the YAML may leave out, filled with `value` when the config is loaded.
 *
 * At runtime the schema is optional (not in `required`) and carries `default`; at the type level it
 * stays required, so `Static<>` of a config schema is the *resolved* config every other folder
 * reads, with every default present. Defaults are applied in one place: `applyDefaults` in
 * validate.ts, from these annotations.
 */
export function Defaulted<T extends TSchema>(schema: T, value: Static<T>): T {
  return Type.Optional({ ...schema, default: value }) as unknown as T;
}

/** Object whose unknown keys are validation errors. */
export function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** A string enum (JSON schema `enum`, so a wrong value is reported with its allowed choices). */
export function OneOf<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Non-empty string. */
export const Name = Type.String({ minLength: 1 });

/** DICOM AE title: 1–16 characters of the default repertoire, no backslash (PS3.5 Table 6.2-1). */
export const AeTitle = Type.String({
  pattern: '^(?! *$)[ -\\[\\]-~]{1,16}$',
  description: 'an AE title: 1 to 16 printable ASCII characters without backslash',
});

export const Port = Type.Integer({ minimum: 0, maximum: 65535 });
