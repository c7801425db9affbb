import { Type, type Static } from '@sinclair/typebox';
import { SecretValueSchema } from '../../config/alerts-schema.js';
import { deliveryRetryFields } from '../../config/node-schema.js';
import { Defaulted, Name, Strict } from '../../config/schema-helpers.js';
import { errorMessage } from '../../shared/errors.js';
import type { DicomwebExportDestination } from '../destination.js';
import type { DestinationKind } from '../destination-kind.js';
import { createDicomwebTransport, dicomwebRequest } from '../transports/dicomweb.js';

/** HTTP authentication towards a DICOMweb server; `password` and `token` are secrets (a value or `{ file }`). */
export const DicomwebAuthSchema = Type.Union([
  Strict({ kind: Type.Literal('basic'), user: Name, password: SecretValueSchema }),
  Strict({ kind: Type.Literal('bearer'), token: SecretValueSchema }),
]);

/** TLS towards an https:// server: a private CA to trust, and a client certificate where the server asks for one. */
export const HttpsTlsFilesSchema = Strict({
  ca: Type.Optional(Name),
  cert: Type.Optional(Name),
  key: Type.Optional(Name),
});

export const DicomwebDestinationSchema = Strict({
  kind: Type.Literal('dicomweb'),
  /** The DICOMweb service root, e.g. https://pacs.example.org/dicom-web (STOW-RS goes to {url}/studies). */
  url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'an http:// or https:// URL' }),
  auth: Type.Optional(DicomwebAuthSchema),
  tls: Type.Optional(HttpsTlsFilesSchema),
  /** Instances of one series sent in one STOW-RS request, at most. */
  maxInstancesPerRequest: Defaulted(Type.Integer({ minimum: 1, maximum: 1000 }), 50),
  /**
   * After a crash, ask the server (QIDO-RS, instance level) whether it already holds an object
   * whose STOW-RS response was never recorded, and send it again only if not.
   */
  verifyInDoubt: Defaulted(Type.Boolean(), true),
  timeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 60),
  ...deliveryRetryFields,
});

/** A DICOMweb destination with its secrets and TLS files read. */
export type ResolvedDicomwebDestination = Omit<Static<typeof DicomwebDestinationSchema>, 'auth' | 'tls'> & {
  name: string;
  /** Secrets: never logged; GET /api/config shows them redacted. */
  auth?: { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };
  /** PEM texts, with the files they came from. */
  tls?: { ca?: string; cert?: string; key?: string; files: { ca?: string; cert?: string; key?: string } };
};

/**
 * A DICOMweb origin server: STOW-RS stores, QIDO-RS answers the in-doubt question, and the test is
 * a QIDO-RS study search (`GET {url}/studies?limit=1`: reachable, TLS and credentials accepted).
 */
export const dicomwebDestination: DestinationKind<typeof DicomwebDestinationSchema, ResolvedDicomwebDestination, DicomwebExportDestination> = {
  kind: 'dicomweb',
  schema: DicomwebDestinationSchema,
  resolve(d, ctx) {
    const { auth, tls, ...rest } = d;
    const at = ctx.at;
    let resolvedAuth: ResolvedDicomwebDestination['auth'];
    if (auth?.kind === 'basic') {
      resolvedAuth = { kind: 'basic', user: auth.user, password: ctx.readSecret(auth.password, [...at, 'auth', 'password']) };
      if (auth.user.includes(':')) ctx.issue([...at, 'auth', 'user'], 'a basic-auth user name cannot contain ":" (RFC 7617)');
    } else if (auth?.kind === 'bearer') {
      resolvedAuth = { kind: 'bearer', token: ctx.readSecret(auth.token, [...at, 'auth', 'token']) };
    }
    let resolvedTls: ResolvedDicomwebDestination['tls'];
    if (tls) {
      if ((tls.cert === undefined) !== (tls.key === undefined)) ctx.issue([...at, 'tls'], 'a client certificate needs both cert and key');
      if (!d.url.startsWith('https://')) ctx.issue([...at, 'tls'], 'tls applies to an https:// url only');
      const files: { ca?: string; cert?: string; key?: string } = {};
      const pem: { ca?: string; cert?: string; key?: string } = {};
      for (const which of ['ca', 'cert', 'key'] as const) {
        const p = tls[which];
        if (p === undefined) continue;
        files[which] = ctx.abs(p);
        const text = ctx.readPem(p, [...at, 'tls', which]);
        if (text !== undefined) pem[which] = text;
      }
      resolvedTls = { ...pem, files };
    }
    return { ...rest, name: ctx.name, url: d.url.replace(/\/+$/, ''), ...(resolvedAuth ? { auth: resolvedAuth } : {}), ...(resolvedTls ? { tls: resolvedTls } : {}) };
  },
  toExport: (d, common) => ({
    ...common,
    kind: 'dicomweb',
    url: d.url,
    ...(d.auth ? { auth: d.auth } : {}),
    ...(d.tls ? { tls: { ca: d.tls.ca, cert: d.tls.cert, key: d.tls.key } } : {}),
    timeoutMs: d.timeoutSeconds * 1000,
    maxInstancesPerRequest: d.maxInstancesPerRequest,
    verifyInDoubt: d.verifyInDoubt,
  }),
  createTransport: () => ({ ...createDicomwebTransport(), holdsQuery: 'QIDO-RS' }),
  async echo(dest) {
    const started = Date.now();
    try {
      const res = await dicomwebRequest(dest, 'GET', '/studies?limit=1');
      const ok = res.status === 200 || res.status === 204;
      return { ok, httpStatus: res.status, ...(ok ? {} : { error: `QIDO-RS: HTTP ${res.status} ${res.statusText}` }), ms: Date.now() - started };
    } catch (err) {
      return { ok: false, error: errorMessage(err), ms: Date.now() - started };
    }
  },
  describe: (d) => ({ address: d.url, tls: d.url.startsWith('https://') }),
  files: (d) => Object.fromEntries(Object.entries(d.tls?.files ?? {}).map(([k, p]) => [`tls.${k}`, p])),
};
