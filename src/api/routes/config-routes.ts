import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ConfigValidationError, formatIssue, parseConfig, type ConfigIssue } from '../../config/load.js';
import { readPart10 } from '../../dicom/part10.js';
import { formatDryRun, type DryRunReport } from '../../route/dry-run.js';
import { firedDecisions, matchRules } from '../../route/match-rules.js';
import { ConformanceError, errorMessage, isNodeError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { BadRequestError } from '../api-errors.js';
import { redactConfig } from '../redact-config.js';
import { AnyObject, ConfigIssueView, errorResponses, Nullable } from '../schemas.js';

/** Largest instance the rule tester takes (only its header is read). */
export const DRY_RUN_BODY_LIMIT = 256 * 1024 * 1024;

const ValidateBody = Type.Union([
  Type.String({ description: 'rules.yaml text (text/plain or application/yaml)' }),
  Type.Object(
    { node: Type.Optional(Type.String()), rules: Type.Optional(Type.String()) },
    { additionalProperties: false, description: 'node.yaml and/or rules.yaml text; the file on disk stands in for the other' },
  ),
]);

const ValidateResult = Type.Object({
  ok: Type.Boolean(),
  issues: Type.Array(ConfigIssueView),
  rules: Type.Optional(Type.Array(Type.String(), { description: 'rule names, in order, when valid' })),
});

const DryRunQuery = Type.Object({
  callingAe: Type.Optional(Type.String({ minLength: 1, maxLength: 16, default: 'STORESCU' })),
  calledAe: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'default: the first listener\'s AE title' })),
});

const DryRunResult = Type.Object({
  sopInstanceUid: Nullable(Type.String()),
  seriesInstanceUid: Nullable(Type.String()),
  modality: Nullable(Type.String()),
  sopClassUid: Nullable(Type.String()),
  fired: Type.Array(Type.String(), { description: 'rules that fire, in order' }),
  decisions: Type.Array(AnyObject, { description: 'every rule: outcome, conditions tested, explanation, actions' }),
  text: Type.String({ description: 'the same as `rules test` prints' }),
});

function issueViews(issues: readonly ConfigIssue[]) {
  return issues.map((i) => ({ ...i, text: formatIssue(i) }));
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Config (read, validate a posted YAML, reload) and the rule tester. */
export function configRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/config',
      {
        schema: {
          summary: 'The configuration in force, with the API token and TLS private keys redacted',
          tags: ['config'],
          response: { 200: AnyObject, ...errorResponses(401) },
        },
      },
      async () => redactConfig(deps.config()),
    );

    app.post<{ Body: Static<typeof ValidateBody> }>(
      '/api/config/validate',
      {
        schema: {
          summary: 'Validate a rules.yaml (or node.yaml) without applying it; issues name file:line:column',
          tags: ['config'],
          consumes: ['text/plain', 'application/yaml', 'application/json'],
          body: ValidateBody,
          response: { 200: ValidateResult, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const files = deps.config().files;
        const posted = typeof request.body === 'string' ? { rules: request.body } : request.body;
        if (posted.node === undefined && posted.rules === undefined) throw new BadRequestError('post rules.yaml text, or { "node"?: text, "rules"?: text }');
        try {
          const node = posted.node ?? (await readFile(files.node, 'utf8'));
          const rules = posted.rules ?? (await readFile(files.rules, 'utf8'));
          const config = parseConfig({ node: { file: files.node, text: node }, rules: { file: files.rules, text: rules } });
          return { ok: true, issues: [], rules: config.rules.map((r) => r.name) };
        } catch (err) {
          if (err instanceof ConfigValidationError) return { ok: false, issues: issueViews(err.issues) };
          throw err;
        }
      },
    );

    app.post(
      '/api/config/reload',
      {
        schema: {
          summary: 'Reload node.yaml and rules.yaml from disk; an invalid config is refused and the running one stays',
          tags: ['config'],
          response: {
            200: Type.Object({ ok: Type.Literal(true), changed: Type.Boolean(), rules: Type.Array(Type.String()) }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const r = deps.reload();
        if (!r.ok) throw r.error;
        request.log.info({ changed: r.changed }, 'config reloaded through the API');
        return { ok: true as const, changed: r.changed, rules: r.config.rules.map((x) => x.name) };
      },
    );

    app.post<{ Body: Buffer; Querystring: Static<typeof DryRunQuery> }>(
      '/api/rules/dry-run',
      {
        bodyLimit: DRY_RUN_BODY_LIMIT,
        schema: {
          summary: 'Which rule fires for an uploaded DICOM instance, and why; sends and stores nothing',
          tags: ['config'],
          consumes: ['application/dicom', 'application/octet-stream'],
          querystring: DryRunQuery,
          response: { 200: DryRunResult, ...errorResponses(400, 401, 413, 415, 422) },
        },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new BadRequestError('post a DICOM Part-10 file as application/dicom');
        let dataset: Record<string, unknown>;
        try {
          dataset = readPart10(request.body, { untilPixelData: true }).dataset;
        } catch (err) {
          if (isNodeError(err)) throw err;
          throw new ConformanceError('PACS_E_NOT_DICOM', `not a readable DICOM Part-10 object: ${errorMessage(err)}`);
        }
        const config = deps.config();
        const callingAe = request.query.callingAe ?? 'STORESCU';
        const calledAe = request.query.calledAe ?? config.listeners[0]?.aeTitle ?? config.node.aeTitle;
        const decisions = matchRules(config.rules, { callingAe, calledAe, header: dataset });
        const fired = firedDecisions(decisions).map((d) => d.rule);
        const entry = {
          path: 'uploaded instance',
          ok: true as const,
          modality: str(dataset.Modality) ?? undefined,
          sopInstanceUid: str(dataset.SOPInstanceUID) ?? undefined,
          seriesInstanceUid: str(dataset.SeriesInstanceUID) ?? undefined,
          fired,
          decisions,
        };
        const report: DryRunReport = { entries: [entry], counts: Object.fromEntries(fired.map((r) => [r, 1])), unreadable: 0 };
        return {
          sopInstanceUid: str(dataset.SOPInstanceUID),
          seriesInstanceUid: str(dataset.SeriesInstanceUID),
          modality: str(dataset.Modality),
          sopClassUid: str(dataset.SOPClassUID),
          fired,
          decisions,
          text: formatDryRun(report),
        };
      },
    );
  };
}
