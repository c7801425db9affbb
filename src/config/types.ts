import type { ApiSettings, ExecutorSettings, Limits, ModelRef, NodeIdentity } from './node-schema.js';
import type { ResolvedDestinationBase } from './destination-kind.js';
import type { ResolvedOidc } from './auth-schema.js';
import type { Preset } from './preset-schema.js';
import type { ResolvedAlerts } from './resolve-alerts.js';
import type { ResolvedAudit } from './resolve-audit.js';
import type { Retention } from './retention-schema.js';
import type { ResolvedStow } from './resolve-stow.js';

/** TLS material read from the files the YAML names (PEM strings), plus where they came from. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
  requireClientCert: boolean;
  files: { cert: string; key: string; ca?: string };
}

export interface AllowRule {
  /** A calling AE title or `*`. */
  aeTitle: string;
  /** IP addresses or CIDR blocks; absent = any host. */
  hosts?: string[];
}

export interface Listener {
  name: string;
  aeTitle: string;
  host: string;
  port: number;
  transport: 'dcmjs-dimse' | 'dicom-dimse-native';
  maxPduLength: number;
  maxAssociations: number;
  idleTimeoutSeconds: number;
  tls?: TlsMaterial;
  /** Default deny: empty = refuse every caller. */
  allow: AllowRule[];
}

/**
 * A destination with its files and secrets read. Each kind's module (src/export/destinations/)
 * has its own resolved type; what every kind has is all the rest of the node may rely on.
 */
export type ResolvedDestination = ResolvedDestinationBase;

/**
 * A window the render stage applies: fixed centre/width, the file's own Window Center/Width
 * (else a robust percentile window), or a robust percentile window.
 */
export type WindowDefinition =
  | { source: 'preset'; center: number; width: number; voiLutFunction: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID' }
  | { source: 'file' }
  | { source: 'auto' };

export type ResolvedModelRef = ModelRef & { id: string };

/** The api section with its TLS files read (PEM). */
export type ResolvedApi = Omit<ApiSettings, 'tls' | 'auth'> & { tls?: TlsMaterial; auth?: ResolvedAuth };

/** api.auth with the OIDC client secret read from its file. */
export type ResolvedAuth = Omit<NonNullable<ApiSettings['auth']>, 'oidc'> & { oidc?: ResolvedOidc };

/** The executor section with the Redis password read from its file and the TLS CA read (PEM). */
export type ResolvedExecutor = Omit<ExecutorSettings, 'redis'> & {
  redis: { url: string; password?: string; tls?: { ca?: string; rejectUnauthorized: boolean } };
};

/** The test of one condition, compiled from YAML (`equals` / `regex` / `range`). */
export type ConditionTest =
  | { op: 'equals'; value: string | number }
  | { op: 'regex'; pattern: string; flags: string }
  | { op: 'range'; min?: number; max?: number };

export interface Condition {
  test: ConditionTest;
  not: boolean;
}

export interface TagCondition extends Condition {
  /** As written in the rule. */
  written: string;
  /** Key in a naturalized data set (keyword, or hex for private tags). */
  keyword: string;
  /** `GGGG,EEEE`. */
  tag: string;
}

export interface RuleMatch {
  callingAe?: Condition;
  calledAe?: Condition;
  modality?: Condition;
  sopClass?: Condition;
  tags: TagCondition[];
}

export interface Completion {
  scope: 'series' | 'study';
  quietSeconds: number;
  lateArrival: 'supersede' | 'ignore';
}

/** A registered output kind's name (src/derive/output-kinds.ts). */
export type OutputKind = string;

export type RuleActions =
  | { kind: 'drop' }
  | {
      kind: 'process';
      /** Window names (keys of NodeConfig.windows); one derived series each. */
      windows: string[];
      /** Preset name (key of NodeConfig.presets) or `none` for the render-only stage. */
      enhance: string;
      output: OutputKind;
      destinations: string[];
      /** Whether the job also sends an enhancement report (Basic Text SR). */
      report: boolean;
      /** Destinations that also get the original objects, untouched (may be empty). */
      forward: string[];
    }
  /** Only forwards the original objects, untouched; nothing is processed. */
  | { kind: 'forward'; forward: string[] };

export interface Rule {
  name: string;
  description?: string;
  /** Position in rules.yaml (0-based). */
  index: number;
  isDefault: boolean;
  match: RuleMatch;
  completion: Completion;
  actions: RuleActions;
  continue: boolean;
}

/** The whole resolved configuration: defaults applied, names checked, paths absolute, deep-frozen. */
export interface NodeConfig {
  /** Absolute paths of the files it was loaded from. */
  files: { node: string; rules: string };
  node: NodeIdentity;
  listeners: Listener[];
  destinations: Record<string, ResolvedDestination>;
  windows: Record<string, WindowDefinition>;
  models: Record<string, ResolvedModelRef>;
  presets: Record<string, Preset & { name: string }>;
  api: ResolvedApi;
  limits: Limits;
  executor: ResolvedExecutor;
  /** Channels with their secrets read (resolve-alerts.ts). */
  alerts: ResolvedAlerts;
  /** What the cleaner may delete, and when (retention-schema.ts). */
  retention: Retention;
  /** DICOMweb input (STOW-RS); absent = off (resolve-stow.ts). */
  stow?: ResolvedStow;
  /** Audit repository (audit: in node.yaml); absent = the trail stays in the database only (resolve-audit.ts). */
  audit?: ResolvedAudit;
  rules: Rule[];
}

export type { ApiSettings, Limits, NodeIdentity, Preset };
