import { Type, type Static } from '@sinclair/typebox';
import { Defaulted, Name, OneOf, Strict } from './schema-helpers.js';

/** The kinds of data retention manages, each with its own policy. */
export const RETENTION_FOLDERS = ['originals', 'derived', 'outbox', 'quarantine'] as const;
export type RetentionFolder = (typeof RETENTION_FOLDERS)[number];

/** null = no limit of this kind (the default: nothing is deleted unless a site sets a limit). */
const MaxAgeDays = Defaulted(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]), null);
const MaxSizeGb = Defaulted(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]), null);

/** Age and size limits of one folder; only what is finished and delivered is ever deleted. */
export const FolderPolicySchema = Strict({
  /** Delete a unit (series, file) once its last activity is older than this. */
  maxAgeDays: MaxAgeDays,
  /** Delete the oldest units while the folder holds more than this. */
  maxSizeGb: MaxSizeGb,
});

export const OutboxPolicySchema = Strict({
  /**
   * Folder destinations (names under `destinations:`) whose files the node may delete. A folder
   * destination's output belongs to the site: none is touched unless it is listed here.
   */
  destinations: Defaulted(Type.Array(Name), []),
  maxAgeDays: MaxAgeDays,
  maxSizeGb: MaxSizeGb,
});

export const DatabasePolicySchema = Strict({
  /**
   * Delete the rows of a source series (instances, jobs, derivations, deliveries, derived series)
   * once all of its files are purged and its last activity is older than this; also ended
   * associations no row refers to, purged quarantine rows and retention logs of that age.
   * No size limit: it would have to delete the lineage of files the node still keeps.
   */
  maxAgeDays: MaxAgeDays,
});

/**
 * Emergency purge: when free space on the spool's volume falls below `startBelowFreeMb`, the
 * oldest delivered data of the `include` folders goes first, whatever its age, until
 * `purgeUntilFreeMb` is free, before the node starts refusing studies at limits.minFreeDiskMb.
 */
export const EmergencySchema = Strict({
  enabled: Defaulted(Type.Boolean(), false),
  startBelowFreeMb: Defaulted(Type.Integer({ minimum: 1 }), 2048),
  purgeUntilFreeMb: Defaulted(Type.Integer({ minimum: 1 }), 4096),
  include: Defaulted(Type.Array(OneOf(RETENTION_FOLDERS), { minItems: 1 }), ['originals', 'derived']),
});

/** `retention:` in node.yaml. Off by default: no limit is set, so nothing is deleted. */
export const RetentionSchema = Strict({
  /** How often the cleaner runs in the node (the emergency check follows the disk guard, every 5 s). */
  intervalMinutes: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 60),
  /** Received objects in the spool (studies/): kept until every job and delivery of their series is finished. */
  originals: Defaulted(FolderPolicySchema, {} as Static<typeof FolderPolicySchema>),
  /** Objects this node produced (spool derived/): kept until their job is finished and each is delivered. */
  derived: Defaulted(FolderPolicySchema, {} as Static<typeof FolderPolicySchema>),
  outbox: Defaulted(OutboxPolicySchema, {} as Static<typeof OutboxPolicySchema>),
  /** Objects refused at receive time (spool quarantine/). */
  quarantine: Defaulted(FolderPolicySchema, {} as Static<typeof FolderPolicySchema>),
  database: Defaulted(DatabasePolicySchema, {} as Static<typeof DatabasePolicySchema>),
  emergency: Defaulted(EmergencySchema, {} as Static<typeof EmergencySchema>),
});

export type Retention = Static<typeof RetentionSchema>;
