import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import type { ConfigIssue } from './config-issue.js';
import type { YamlSource } from './yaml-source.js';

type JsonSchema = Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates the parsed YAML against a config schema; each error is placed on its line. */
export function validateAgainstSchema(schema: TSchema, source: YamlSource): ConfigIssue[] {
  const validate = compile(schema);
  if (validate(source.value ?? {})) return [];
  const errors = simplifyUnions([...(validate.errors ?? [])]);
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const e of errors) {
    const issue = toIssue(e, source);
    const key = `${issue.line}:${issue.column}:${issue.path}:${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function segmentsOf(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toIssue(e: ErrorObject, source: YamlSource): ConfigIssue {
  const at = segmentsOf(e.instancePath);
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const props = parent.properties ? Object.keys(parent.properties as JsonSchema) : [];
      const patterns = parent.patternProperties ? Object.keys(parent.patternProperties as JsonSchema) : [];
      const message =
        patterns.length > 0 && props.length === 0
          ? `invalid name (must match ${patterns.join(' or ')})`
          : `unknown key${props.length ? ` (expected one of ${props.join(', ')})` : ''}`;
      return source.issue([...at, key], message, { key: true });
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return source.issue(at, `missing required key '${missing}'`);
    }
    case 'enum':
      return source.issue(at, `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join('|')}`);
    case 'const':
      return source.issue(at, `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
    case 'type':
      return source.issue(at, `must be ${describeType(String((e.params as { type: string }).type))}`);
    case 'pattern':
      return source.issue(at, typeof parent.description === 'string' ? `must be ${parent.description}` : e.message ?? 'invalid');
    default:
      return source.issue(at, e.message ?? `fails ${e.keyword}`);
  }
}

function describeType(t: string): string {
  return t
    .split(',')
    .map((x) => ({ string: 'a string', number: 'a number', integer: 'an integer', object: 'a mapping', array: 'a list', boolean: 'true or false', null: 'null' })[x] ?? x)
    .join(' or ');
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeAccepts(branch: JsonSchema, value: unknown): boolean {
  if ('const' in branch) return branch.const === value;
  if (Array.isArray(branch.enum)) return branch.enum.includes(value);
  const types = Array.isArray(branch.type) ? (branch.type as string[]) : branch.type ? [String(branch.type)] : [];
  if (types.length === 0) return true;
  const t = jsonType(value);
  return types.some((x) => x === t || (x === 'number' && t === 'integer'));
}

function describeBranch(branch: JsonSchema): string {
  if ('const' in branch) return JSON.stringify(branch.const);
  if (Array.isArray(branch.enum)) return `one of ${branch.enum.join('|')}`;
  return describeType(String(branch.type ?? 'value'));
}

/** The property every branch pins with a `const` (e.g. destinations' `kind`), if there is one. */
function discriminatorOf(branches: JsonSchema[]): string | undefined {
  const first = branches[0]?.properties as Record<string, JsonSchema> | undefined;
  if (!first) return undefined;
  return Object.keys(first).find((k) =>
    branches.every((b) => {
      const p = (b.properties as Record<string, JsonSchema> | undefined)?.[k];
      return p !== undefined && 'const' in p;
    }),
  );
}

/**
 * Ajv reports every failing branch of an `anyOf`. A reader wants the errors of the branch that was
 * meant: the one the discriminator names, else the one whose type fits the value; when none fits,
 * one line saying what was expected.
 */
function simplifyUnions(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  if (unions.length === 0) return errors;
  const outer = unions.reduce((a, b) => (b.schemaPath.length < a.schemaPath.length ? b : a));
  const prefix = `${outer.schemaPath}/`;
  const within = (p: string) => p === outer.instancePath || p.startsWith(`${outer.instancePath}/`);
  const inside = errors.filter((e) => e.schemaPath.startsWith(prefix) && within(e.instancePath));
  const rest = errors.filter((e) => e !== outer && !inside.includes(e));
  const branches = (outer.schema as JsonSchema[]) ?? [];
  const value = outer.data;
  const branchErrors = (i: number) => inside.filter((e) => e.schemaPath.startsWith(`${prefix}${i}/`));
  const synth = (message: string, instancePath = outer.instancePath): ErrorObject => ({ ...outer, instancePath, keyword: 'union', message });

  let chosen: ErrorObject[];
  const disc = jsonType(value) === 'object' ? discriminatorOf(branches) : undefined;
  if (disc !== undefined) {
    const tag = (value as Record<string, unknown>)[disc];
    const i = branches.findIndex((b) => (b.properties as Record<string, JsonSchema>)[disc]?.const === tag);
    const choices = branches.map((b) => (b.properties as Record<string, JsonSchema>)[disc]?.const).join('|');
    if (tag === undefined) chosen = [synth(`missing required key '${disc}' (one of ${choices})`)];
    else if (i < 0) chosen = [synth(`must be one of ${choices}`, `${outer.instancePath}/${disc}`)];
    else chosen = branchErrors(i);
  } else {
    const fitting = branches.map((b, i) => ({ b, i })).filter(({ b }) => typeAccepts(b, value));
    if (fitting.length === 0) {
      const names = branches.map(describeBranch);
      chosen = [synth(`must be ${names.slice(0, -1).join(', ')}${names.length > 1 ? ' or ' : ''}${names[names.length - 1]}`)];
    } else {
      chosen = fitting.map(({ i }) => branchErrors(i)).reduce((a, b) => (b.length < a.length ? b : a));
    }
  }
  return simplifyUnions([...rest, ...chosen]);
}

/**
 * Fills every `default` of the schema into a copy of a value that passed validation. This is the
 * one place defaults are applied; unions pick their branch as validation did (discriminator, then
 * type).
 */
export function applyDefaults<T>(schema: TSchema, value: unknown): T {
  return fill(schema as unknown as JsonSchema, value) as T;
}

function fill(schema: JsonSchema, value: unknown): unknown {
  const v = value === undefined && 'default' in schema ? structuredClone(schema.default) : value;
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as JsonSchema[];
    const disc = jsonType(v) === 'object' ? discriminatorOf(branches) : undefined;
    const branch =
      disc !== undefined
        ? branches.find((b) => (b.properties as Record<string, JsonSchema>)[disc]?.const === (v as Record<string, unknown>)[disc])
        : branches.find((b) => typeAccepts(b, v));
    return branch ? fill(branch, v) : v;
  }
  if (Array.isArray(v)) {
    return schema.items ? v.map((item) => fill(schema.items as JsonSchema, item)) : [...v];
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [k, s] of Object.entries(props)) {
      const filled = fill(s, out[k]);
      if (filled !== undefined) out[k] = filled;
    }
    const patterns = (schema.patternProperties ?? {}) as Record<string, JsonSchema>;
    for (const [pattern, s] of Object.entries(patterns)) {
      const re = new RegExp(pattern, 'u');
      for (const k of Object.keys(out)) if (!(k in props) && re.test(k)) out[k] = fill(s, out[k]);
    }
    return out;
  }
  return v;
}
