/**
 * `model/<id>/manifest.yaml`: the model contract of architecture.md ("Model contract (ONNX)").
 * Parsed with YAML, validated with a TypeBox schema (unknown keys are errors), and the model
 * file's SHA-256 checked before anything loads it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ModelContractError } from '../shared/errors.js';

const Strict = { additionalProperties: false } as const;

export const ManifestSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    version: Type.String({ minLength: 1 }),
    file: Type.String({ minLength: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    licence: Type.String({ minLength: 1 }),
    source: Type.String({ minLength: 1 }),
    inputRange: Type.Tuple([Type.Literal(-1), Type.Literal(1)]),
    channels: Type.Literal(3),
    patchSize: Type.Integer({ minimum: 16, multipleOf: 16 }),
    schedule: Type.Object(
      {
        kind: Type.Union([Type.Literal('linear'), Type.Literal('cosine')]),
        timesteps: Type.Integer({ minimum: 2 }),
        betaStart: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
        betaEnd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
      },
      Strict,
    ),
    output: Type.Union([Type.Literal('epsilon'), Type.Literal('epsilon+variance')]),
    dtype: Type.Union([Type.Literal('float32'), Type.Literal('float16')]),
    timestepDtype: Type.Union([Type.Literal('int64'), Type.Literal('float32')]),
    inputNames: Type.Object({ x: Type.String({ minLength: 1 }), t: Type.String({ minLength: 1 }) }, Strict),
    outputName: Type.String({ minLength: 1 }),
    dynamicAxes: Type.Array(Type.Union([Type.Literal('batch'), Type.Literal('height'), Type.Literal('width')]), { uniqueItems: true }),
    training: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { ...Strict, description: 'model manifest' },
);

export type ModelManifest = Static<typeof ManifestSchema>;

/** A validated manifest and the absolute path of its model file. */
export interface LoadedManifest {
  manifest: ModelManifest;
  manifestPath: string;
  modelPath: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(ManifestSchema);

/** Validate a parsed manifest object; errors name the file and every problem. */
export function validateManifest(value: unknown, manifestPath: string): ModelManifest {
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath || '(top level)';
      if (e.keyword === 'additionalProperties') return `${where}: unknown field "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`;
      return `${where}: ${e.message ?? e.keyword}`;
    });
    throw new ModelContractError(`${manifestPath}: invalid model manifest: ${problems.join('; ')}`, { details: { file: manifestPath, problems } });
  }
  const m = value as ModelManifest;
  if (m.schedule.kind === 'linear' && (m.schedule.betaStart === undefined || m.schedule.betaEnd === undefined)) {
    throw new ModelContractError(`${manifestPath}: a linear schedule needs betaStart and betaEnd`, { details: { file: manifestPath } });
  }
  return m;
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Read, validate and hash-check `manifestPath`. */
export async function loadManifest(manifestPath: string): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new ModelContractError(`${manifestPath}: cannot read model manifest (${(err as Error).message})`, { cause: err, details: { file: manifestPath } });
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new ModelContractError(`${manifestPath}: not valid YAML (${(err as Error).message})`, { cause: err, details: { file: manifestPath } });
  }
  const manifest = validateManifest(parsed, manifestPath);
  const modelPath = resolve(dirname(manifestPath), manifest.file);
  let actual: string;
  try {
    actual = await sha256File(modelPath);
  } catch (err) {
    throw new ModelContractError(`${modelPath}: model file missing or unreadable (${(err as Error).message})`, { cause: err, details: { file: modelPath } });
  }
  if (actual !== manifest.sha256) {
    throw new ModelContractError(`${modelPath}: SHA-256 ${actual} does not match the manifest's ${manifest.sha256}`, {
      details: { file: modelPath, expected: manifest.sha256, actual },
    });
  }
  return { manifest, manifestPath, modelPath };
}
