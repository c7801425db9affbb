import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PresetSchema } from './preset-schema.js';
import { AlertsSchema, SecretValueSchema } from './alerts-schema.js';
import { RetentionSchema } from './retention-schema.js';
import { AuditSchema } from './audit-schema.js';
import { LoginLimitSchema, OidcSchema, SessionSchema } from './auth-schema.js';
import { AeTitle, Defaulted, Name, OneOf, Port, Strict } from './schema-helpers.js';
import { destinationKindConfigs, memoOverDestinationKinds } from './destination-kind.js';

/** TLS material as written in YAML: paths, relative to the config file. The loader reads them. */
export const TlsFilesSchema = Strict({
  cert: Name,
  key: Name,
  ca: Type.Optional(Name),
  /** Listener: refuse clients without a certificate signed by `ca` (mutual TLS). */
  requireClientCert: Defaulted(Type.Boolean(), false),
});

/** One allow-list entry: a calling AE title (or `*`), optionally restricted to hosts / CIDR blocks. */
export const AllowEntrySchema = Strict({
  aeTitle: Type.Union([AeTitle, Type.Literal('*')]),
  hosts: Type.Optional(Type.Array(Name, { minItems: 1 })),
});

export const ListenerSchema = Strict({
  name: Name,
  aeTitle: AeTitle,
  host: Defaulted(Name, '127.0.0.1'),
  port: Defaulted(Port, 11112),
  transport: Defaulted(OneOf(['dcmjs-dimse', 'dicom-dimse-native'] as const), 'dcmjs-dimse'),
  maxPduLength: Defaulted(Type.Integer({ minimum: 4096, maximum: 4_194_304 }), 65536),
  maxAssociations: Defaulted(Type.Integer({ minimum: 1, maximum: 1024 }), 16),
  /** An association with no PDU for this long is aborted. */
  idleTimeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 60),
  tls: Type.Optional(TlsFilesSchema),
  /** Default deny: an empty list refuses every caller. */
  allow: Defaulted(Type.Array(AllowEntrySchema), []),
});

export const BackoffSchema = Strict({
  initialSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 5),
  maxSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 600),
});

/**
 * Destinations are a union told apart by `kind`: each kind's module (src/export/destinations/)
 * brings its schema, and the union is of those registered (destination-kind.ts).
 */
function DestinationSchema() {
  const kinds = destinationKindConfigs();
  if (kinds.length === 0) throw new Error('no destination kind is registered (import src/export/destination-kinds.ts)');
  // The static type says only what every kind has; each kind's module knows the rest.
  return Type.Unsafe<DestinationEntry>(Type.Union(kinds.map((k) => k.schema)));
}

/** What every destination entry has, whatever its kind (for the loader; kinds add their fields). */
export interface DestinationEntry {
  kind: string;
  maxAttempts: number;
  backoff: Static<typeof BackoffSchema>;
  [field: string]: unknown;
}

/** The fields every destination kind has: how often and how patiently a delivery is retried. */
export const deliveryRetryFields = {
  maxAttempts: Defaulted(Type.Integer({ minimum: 1, maximum: 1000 }), 8),
  backoff: Defaulted(BackoffSchema, { initialSeconds: 5, maxSeconds: 600 }),
};

export const WindowSchema = Strict({
  center: Type.Number(),
  width: Type.Number({ exclusiveMinimum: 0 }),
  voiLutFunction: Defaulted(OneOf(['LINEAR', 'LINEAR_EXACT', 'SIGMOID'] as const), 'LINEAR'),
});

export const ModelRefSchema = Strict({
  /** Path of the model manifest, relative to the config file. */
  manifest: Name,
  device: Defaulted(OneOf(['cpu', 'cuda'] as const), 'cpu'),
});

export const NodeIdentitySchema = Strict({
  aeTitle: Defaulted(AeTitle, 'UNIMIE'),
  /** Spool, database, quarantine; relative to the config file. */
  dataDir: Defaulted(Name, './var'),
  logLevel: Defaulted(OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), 'info'),
  logPatientIdentifiers: Defaulted(Type.Boolean(), false),
  /**
   * The last ablation's measured network contribution per preset (`npm run eval -- --ablate`
   * writes it), relative to the config file. Only a preset whose network it measured above the bar
   * with the loaded model is called UniMIE in the derived series. Left out: the shipped
   * eval/results/contribution.json. A missing file means no measurement (every enhancement is
   * labelled classical); an unreadable one is logged as a warning and treated the same way.
   */
  contributionRecord: Type.Optional(
    Type.String({ minLength: 1, description: 'path of the contribution record (eval --ablate), relative to this file; default: the shipped eval/results/contribution.json' }),
  ),
});

export const ApiSchema = Strict({
  host: Defaulted(Name, '127.0.0.1'),
  port: Defaulted(Port, 8080),
  /** Bearer token for every endpoint except liveness; never logged. */
  token: Type.Optional(Type.String({ minLength: 16, description: 'a token of at least 16 characters' })),
  /**
   * HTTPS for the API and dashboard: `cert` (leaf first, then any intermediates) and `key`, and
   * `ca` when the issuer is not a public CA (the healthcheck trusts it). Re-read on SIGHUP.
   */
  tls: Type.Optional(TlsFilesSchema),
  /**
   * Named users with roles (viewer, operator, admin) and their API tokens, managed with the
   * `users` and `tokens` commands; replaces the single shared `token`.
   */
  auth: Type.Optional(
    Strict({
      /** Whether Basic user:password is accepted on API calls (scripts should use tokens). */
      passwordLogin: Defaulted(Type.Boolean(), true),
      session: Defaulted(SessionSchema, {} as Static<typeof SessionSchema>),
      loginLimit: Defaulted(LoginLimitSchema, {} as Static<typeof LoginLimitSchema>),
      oidc: Type.Optional(OidcSchema),
    }),
  ),
});

export const LimitsSchema = Strict({
  /** Below this free space on the data volume, new associations get a transient reject. */
  minFreeDiskMb: Defaulted(Type.Integer({ minimum: 0 }), 1024),
  /** Largest instance accepted by C-STORE. */
  maxInstanceMb: Defaulted(Type.Integer({ minimum: 1 }), 2048),
  /** Pending jobs + deliveries above which new associations get a transient reject. */
  maxQueueDepth: Defaulted(Type.Integer({ minimum: 1 }), 10_000),
});

/** Redis for the bullmq executor. TLS with `rediss://` or `tls: {}`; `ca` relative to the config file. */
export const RedisSchema = Strict({
  url: Defaulted(Name, 'redis://127.0.0.1:6379'),
  /** Overrides a password in the URL; never logged. */
  password: Type.Optional(Type.String({ minLength: 1 })),
  /** A file holding the password (first line), relative to the config file. */
  passwordFile: Type.Optional(Name),
  tls: Type.Optional(
    Strict({
      ca: Type.Optional(Name),
      rejectUnauthorized: Defaulted(Type.Boolean(), true),
    }),
  ),
});

/**
 * Where slices are enhanced: `local` (in-process engine) or `bullmq` (workers on other machines
 * take one job per slice group from Redis; the node stays the only DICOM endpoint).
 */
export const ExecutorSchema = Strict({
  kind: Defaulted(OneOf(['local', 'bullmq'] as const), 'local'),
  /** Slices the series pipeline hands the executor at once (one flow with bullmq). */
  slicesPerBatch: Defaulted(Type.Integer({ minimum: 1, maximum: 1024 }), 4),
  redis: Defaulted(RedisSchema, {} as Static<typeof RedisSchema>),
  /** Queue of slice jobs; its series parents go to `<queue>-series`. */
  queue: Defaulted(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), 'unimie-enhance'),
  /** Slices per worker job (a small group shares model calls). */
  slicesPerJob: Defaulted(Type.Integer({ minimum: 1, maximum: 64 }), 1),
  /** Tries per slice job before it goes to the failed set and fails the series job. */
  attempts: Defaulted(Type.Integer({ minimum: 1, maximum: 100 }), 3),
  backoffSeconds: Defaulted(Type.Number({ minimum: 0 }), 1),
  /** A batch whose flow has not completed by then fails the series job. */
  timeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 3600),
});

/** A STOW-RS client's secret: a value, a file (first line), or its SHA-256 in hex (the node then never holds the secret itself). */
export const ClientSecretSchema = Type.Union([SecretValueSchema, Strict({ sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the secret, 64 hex digits' }) })]);

/** Who may store over STOW-RS, and from where; `name` plays the calling AE title's part for routing rules and provenance. */
const stowClient = {
  name: AeTitle,
  /** IPv4/IPv6 addresses or CIDR blocks the client may come from; absent: any host. */
  hosts: Type.Optional(Type.Array(Name, { minItems: 1 })),
};
export const StowClientSchema = Type.Union([
  Strict({ ...stowClient, token: ClientSecretSchema }),
  Strict({ ...stowClient, user: Name, password: ClientSecretSchema }),
]);

/**
 * DICOMweb input (PS3.18 10.5 STOW-RS) on the API's address: `POST /dicom-web/studies[/{study}]`.
 * Off unless this section is present; default deny (only the listed clients).
 */
export const StowSchema = Strict({
  /** The called AE title routing rules see for objects stored over STOW-RS; default: node.aeTitle. */
  aeTitle: Type.Optional(AeTitle),
  /** Largest request body; each part is also held to limits.maxInstanceMb. */
  maxRequestMb: Defaulted(Type.Integer({ minimum: 1 }), 4096),
  maxInstancesPerRequest: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000_000 }), 10_000),
  clients: Type.Array(StowClientSchema, { minItems: 1 }),
});

/** A map from a name (letters, digits, `.`, `_`, `-`) to entries of one schema. */
function NamedMap<T extends TSchema>(entry: T) {
  return Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), entry, { additionalProperties: false });
}

/** config/node.yaml, with the destination kinds registered so far. */
function buildNodeFileSchema() {
  return Strict(
    {
      node: Defaulted(NodeIdentitySchema, {} as Static<typeof NodeIdentitySchema>),
      listeners: Defaulted(Type.Array(ListenerSchema), []),
      destinations: Defaulted(NamedMap(DestinationSchema()), {}),
      windows: Defaulted(NamedMap(WindowSchema), {}),
      models: Defaulted(NamedMap(ModelRefSchema), {}),
      presets: Defaulted(NamedMap(PresetSchema), {}),
      api: Defaulted(ApiSchema, {} as Static<typeof ApiSchema>),
      limits: Defaulted(LimitsSchema, {} as Static<typeof LimitsSchema>),
      executor: Defaulted(ExecutorSchema, {} as Static<typeof ExecutorSchema>),
      alerts: Defaulted(AlertsSchema, {} as Static<typeof AlertsSchema>),
      retention: Defaulted(RetentionSchema, {} as Static<typeof RetentionSchema>),
      stow: Type.Optional(StowSchema),
      audit: Type.Optional(AuditSchema),
    },
    { $id: 'https://unimie-pacs-node.local/schema/node.schema.json', title: 'UniMIE PACS node: config/node.yaml' },
  );
}

/** The schema of config/node.yaml; rebuilt when a destination kind was registered since the last call. */
export const nodeFileSchema = memoOverDestinationKinds(buildNodeFileSchema);

export type NodeFile = Static<ReturnType<typeof nodeFileSchema>>;
export type TlsFiles = Static<typeof TlsFilesSchema>;
export type ModelRef = Static<typeof ModelRefSchema>;
export type ApiSettings = Static<typeof ApiSchema>;
export type Limits = Static<typeof LimitsSchema>;
export type NodeIdentity = Static<typeof NodeIdentitySchema>;
export type ExecutorSettings = Static<typeof ExecutorSchema>;
export type ClientSecret = Static<typeof ClientSecretSchema>;
