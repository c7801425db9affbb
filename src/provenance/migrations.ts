/**
 * Versioned schema migrations, applied in order inside one transaction each. Never edit a
 * migration that has shipped: add a new one. Times are epoch milliseconds (INTEGER).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial provenance schema',
    sql: `
CREATE TABLE associations (
  id TEXT PRIMARY KEY,
  listener TEXT NOT NULL,
  transport TEXT NOT NULL,
  calling_ae TEXT NOT NULL,
  called_ae TEXT NOT NULL,
  remote_host TEXT NOT NULL,
  remote_port INTEGER,
  tls INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('open','rejected','released','aborted','error')),
  reject_reason TEXT,
  instances_received INTEGER NOT NULL DEFAULT 0,
  bytes_received INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX associations_started ON associations(started_at);

CREATE TABLE series (
  series_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  modality TEXT,
  description TEXT,
  calling_ae TEXT,
  called_ae TEXT,
  own_output INTEGER NOT NULL DEFAULT 0,
  first_received_at INTEGER NOT NULL,
  last_received_at INTEGER NOT NULL,
  instance_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX series_study ON series(study_uid);

CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  sop_instance_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT NOT NULL,
  instance_number INTEGER,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  association_id TEXT REFERENCES associations(id),
  received_at INTEGER NOT NULL,
  -- stored: processable; own_output: produced by this node (never processed again);
  -- unprocessable: kept and forwarded untouched (e.g. a transfer syntax we cannot decode);
  -- replaced: an older copy of a SOP Instance UID that was re-sent with different bytes.
  status TEXT NOT NULL CHECK (status IN ('stored','own_output','unprocessable','replaced')),
  status_reason TEXT,
  UNIQUE (sop_instance_uid, sha256)
);
CREATE INDEX instances_series ON instances(series_uid, status);
CREATE INDEX instances_sop ON instances(sop_instance_uid);

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  association_id TEXT REFERENCES associations(id),
  calling_ae TEXT,
  sop_instance_uid TEXT,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  reason_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  dimse_status INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'series',
  series_uid TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  action_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','running','done','failed','dead','cancelled','superseded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  next_run_at INTEGER NOT NULL,
  last_error TEXT,
  supersedes_job_id INTEGER REFERENCES jobs(id),
  progress_json TEXT,
  owner TEXT,
  heartbeat_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX jobs_state ON jobs(state, next_run_at);
CREATE INDEX jobs_series ON jobs(series_uid);

-- Our output registry: every series this node produced (loop protection, re-run detection).
CREATE TABLE derived_series (
  series_uid TEXT PRIMARY KEY,
  source_series_uid TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  job_id INTEGER REFERENCES jobs(id),
  output_kind TEXT NOT NULL,
  series_number INTEGER,
  description TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX derived_series_source ON derived_series(source_series_uid);

CREATE TABLE models (
  id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  version TEXT,
  path TEXT NOT NULL,
  device TEXT,
  first_loaded_at INTEGER NOT NULL,
  last_loaded_at INTEGER NOT NULL,
  PRIMARY KEY (id, sha256)
);

CREATE TABLE derivations (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  source_sop_instance_uid TEXT NOT NULL,
  source_series_uid TEXT NOT NULL,
  derived_sop_instance_uid TEXT NOT NULL UNIQUE,
  derived_series_uid TEXT NOT NULL,
  derived_sop_class_uid TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('render','enhance')),
  model_id TEXT,
  model_sha256 TEXT,
  preset TEXT,
  seed INTEGER,
  steps INTEGER,
  params_json TEXT NOT NULL,
  timings_json TEXT,
  quality_json TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX derivations_source ON derivations(source_sop_instance_uid);
CREATE INDEX derivations_series ON derivations(derived_series_uid);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  sop_instance_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  path TEXT NOT NULL,
  job_id INTEGER REFERENCES jobs(id),
  state TEXT NOT NULL CHECK (state IN ('pending','sending','done','dead','discarded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  UNIQUE (destination, sop_instance_uid)
);
CREATE INDEX deliveries_state ON deliveries(state, next_attempt_at);
`,
  },
  {
    version: 2,
    name: 'multi-frame derivations (one row per source frame) and per-slice processing failures',
    sql: `
CREATE TABLE derivations_v2 (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  source_sop_instance_uid TEXT NOT NULL,
  source_series_uid TEXT NOT NULL,
  source_frame_index INTEGER NOT NULL DEFAULT 0,
  derived_sop_instance_uid TEXT NOT NULL,
  derived_series_uid TEXT NOT NULL,
  derived_sop_class_uid TEXT NOT NULL,
  derived_frame_number INTEGER,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('render','enhance')),
  model_id TEXT,
  model_sha256 TEXT,
  preset TEXT,
  seed INTEGER,
  steps INTEGER,
  params_json TEXT NOT NULL,
  timings_json TEXT,
  quality_json TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (derived_sop_instance_uid, source_sop_instance_uid, source_frame_index)
);
INSERT INTO derivations_v2 (id, job_id, source_sop_instance_uid, source_series_uid, source_frame_index,
  derived_sop_instance_uid, derived_series_uid, derived_sop_class_uid, path, sha256, stage, model_id, model_sha256,
  preset, seed, steps, params_json, timings_json, quality_json, created_at)
SELECT id, job_id, source_sop_instance_uid, source_series_uid, COALESCE(json_extract(params_json, '$.frameIndex'), 0),
  derived_sop_instance_uid, derived_series_uid, derived_sop_class_uid, path, sha256, stage, model_id, model_sha256,
  preset, seed, steps, params_json, timings_json, quality_json, created_at
FROM derivations;
DROP TABLE derivations;
ALTER TABLE derivations_v2 RENAME TO derivations;
CREATE INDEX derivations_source ON derivations(source_sop_instance_uid);
CREATE INDEX derivations_series ON derivations(derived_series_uid);
CREATE INDEX derivations_derived ON derivations(derived_sop_instance_uid);

CREATE TABLE processing_failures (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  series_uid TEXT NOT NULL,
  sop_instance_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT,
  path TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (job_id, sop_instance_uid)
);
CREATE INDEX processing_failures_series ON processing_failures(series_uid);

ALTER TABLE jobs ADD COLUMN failed_slices_json TEXT;
`,
  },
  {
    version: 3,
    name: 'deliveries in doubt: sent when a previous process died, response never recorded',
    sql: `
ALTER TABLE deliveries ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 4,
    name: 'forwarded originals: sent as received, in their own transfer syntax only',
    sql: `
ALTER TABLE deliveries ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 5,
    name: 'what produced the pixels of an enhanced image: name decision, sampler, patch grid, classical steps, measured contribution',
    // NULL on rows written before (what ran was not recorded) and on render-only rows.
    sql: `
ALTER TABLE derivations ADD COLUMN named_unimie INTEGER CHECK (named_unimie IN (0, 1));
ALTER TABLE derivations ADD COLUMN naming_reason TEXT;
ALTER TABLE derivations ADD COLUMN estimator TEXT CHECK (estimator IN ('network', 'network-free'));
ALTER TABLE derivations ADD COLUMN network_evaluations INTEGER;
ALTER TABLE derivations ADD COLUMN start_timestep INTEGER;
ALTER TABLE derivations ADD COLUMN anchored_start INTEGER;
ALTER TABLE derivations ADD COLUMN patch_size INTEGER;
ALTER TABLE derivations ADD COLUMN patch_stride INTEGER;
ALTER TABLE derivations ADD COLUMN patches_per_image INTEGER;
ALTER TABLE derivations ADD COLUMN classical_steps_json TEXT;
ALTER TABLE derivations ADD COLUMN measurement_json TEXT;
`,
  },
  {
    version: 6,
    name: 'retention: purged files stay described (purged_at), and each run and what it deleted is logged',
    // A purged row keeps its lineage; only the database policy deletes rows, and only those whose files are gone.
    sql: `
ALTER TABLE instances ADD COLUMN purged_at INTEGER;
ALTER TABLE derived_series ADD COLUMN purged_at INTEGER;
ALTER TABLE quarantine ADD COLUMN purged_at INTEGER;
CREATE INDEX instances_received ON instances(received_at);
CREATE INDEX deliveries_series ON deliveries(series_uid, state);
CREATE INDEX deliveries_job ON deliveries(job_id);

CREATE TABLE retention_runs (
  id INTEGER PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('scheduled','manual','emergency')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  free_bytes_before INTEGER,
  free_bytes_after INTEGER,
  files INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  rows_deleted INTEGER NOT NULL DEFAULT 0,
  error TEXT
);

CREATE TABLE retention_purges (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES retention_runs(id),
  folder TEXT NOT NULL CHECK (folder IN ('originals','derived','outbox','quarantine')),
  unit TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('max-age','max-size','disk-pressure')),
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  purged_at INTEGER NOT NULL
);
CREATE INDEX retention_purges_run ON retention_purges(run_id);
`,
  },
  {
    version: 7,
    name: 'alerts: kept until each channel took them (retried with backoff), and the last time each event was raised',
    sql: `
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  event TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','sent','dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE INDEX alerts_due ON alerts(state, channel, next_attempt_at);
CREATE TABLE alert_repeats (
  repeat_key TEXT PRIMARY KEY,
  last_raised_at INTEGER NOT NULL,
  suppressed INTEGER NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 8,
    name: 'API users with a role (password as an argon2id hash) and their API tokens (SHA-256 of the token, shown once)',
    sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
  password_hash TEXT,
  disabled_at INTEGER,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER
);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  label TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
`,
  },
  {
    version: 9,
    name: 'audit trail: who did what to which patient data, append-only (PS3.15 A.5 event codes), and when each event reached the audit repository',
    sql: `
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT,
  action TEXT NOT NULL CHECK (action IN ('C','R','U','D','E')),
  outcome INTEGER NOT NULL CHECK (outcome IN (0,4,8,12)),
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_host TEXT,
  route TEXT,
  study_uid TEXT,
  objects_json TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_actor ON audit_events(actor, at);
CREATE INDEX audit_events_study ON audit_events(study_uid, at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TABLE audit_forwarding (
  event_id INTEGER PRIMARY KEY REFERENCES audit_events(id),
  sent_at INTEGER NOT NULL
);
`,
  },
  {
    version: 10,
    name: 'dashboard sessions (SHA-256 of the session id, CSRF token, idle and absolute expiry) and failed sign-ins for rate limiting',
    sql: `
CREATE TABLE sessions (
  id_sha256 TEXT PRIMARY KEY,
  user_id INTEGER REFERENCES users(id),
  user_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
  via TEXT NOT NULL CHECK (via IN ('password','oidc')),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  client TEXT
);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL COLLATE NOCASE,
  client TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(user_name, at);
CREATE INDEX login_failures_client ON login_failures(client, at);
`,
  },
  {
    version: 11,
    name: 'studies as a worklist shows them (patient, accession, date, description, modalities), searchable; rows of existing studies start without patient attributes (`unimie-node studies reindex` fills them)',
    sql: `
CREATE TABLE studies (
  study_uid TEXT PRIMARY KEY,
  patient_name TEXT,
  patient_name_key TEXT,
  patient_id TEXT,
  patient_birth_date TEXT,
  accession_number TEXT,
  study_date TEXT,
  study_time TEXT,
  study_description TEXT,
  referring_physician_name TEXT,
  modalities TEXT,
  first_received_at INTEGER NOT NULL,
  last_received_at INTEGER NOT NULL
);
CREATE INDEX studies_last_received ON studies(last_received_at);
CREATE INDEX studies_patient_name ON studies(patient_name_key);
CREATE INDEX studies_patient_id ON studies(patient_id);
CREATE INDEX studies_accession ON studies(accession_number);
CREATE INDEX studies_date ON studies(study_date);
INSERT INTO studies (study_uid, modalities, first_received_at, last_received_at)
  SELECT s.study_uid,
    (SELECT group_concat(m, '\\') FROM (SELECT DISTINCT modality AS m FROM series x WHERE x.study_uid = s.study_uid AND modality IS NOT NULL ORDER BY m)),
    MIN(s.first_received_at), MAX(s.last_received_at)
  FROM series s GROUP BY s.study_uid;
CREATE TRIGGER series_deleted_study AFTER DELETE ON series BEGIN
  UPDATE studies SET modalities =
    (SELECT group_concat(m, '\\') FROM (SELECT DISTINCT modality AS m FROM series x WHERE x.study_uid = OLD.study_uid AND modality IS NOT NULL ORDER BY m))
  WHERE study_uid = OLD.study_uid;
  DELETE FROM studies WHERE study_uid = OLD.study_uid AND NOT EXISTS (SELECT 1 FROM series WHERE study_uid = OLD.study_uid);
END;
`,
  },
];
