import { parseJsonColumn } from '../provenance/json-column.js';
import type { DerivationRow } from '../provenance/derivations.js';
import type { JobRow } from '../provenance/jobs.js';
import type { StudyRow } from '../provenance/studies.js';

/** A `jobs` row as the API shows it: camelCase, with `action_json` and `progress_json` parsed. */
export function jobView(j: JobRow) {
  return {
    id: j.id,
    kind: j.kind,
    seriesUid: j.series_uid,
    studyUid: j.study_uid,
    ruleName: j.rule_name,
    action: parseJsonColumn(j.action_json),
    state: j.state,
    attempts: j.attempts,
    maxAttempts: j.max_attempts,
    nextRunAt: j.next_run_at,
    lastError: j.last_error,
    failedSlices: (parseJsonColumn(j.failed_slices_json ?? null) ?? []) as Array<{ sopInstanceUid: string; reasonCode: string; reason: string }>,
    supersedesJobId: j.supersedes_job_id,
    progress: parseJsonColumn(j.progress_json),
    owner: j.owner,
    heartbeatAt: j.heartbeat_at,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    startedAt: j.started_at,
    finishedAt: j.finished_at,
  };
}

/** One derived instance of a derived series (a `derivations` row, summarised). */
export function derivedInstanceView(d: DerivationRow) {
  return {
    sopInstanceUid: d.derived_sop_instance_uid,
    sopClassUid: d.derived_sop_class_uid,
    sourceSopInstanceUid: d.source_sop_instance_uid,
    sourceSeriesUid: d.source_series_uid,
    jobId: d.job_id,
    stage: d.stage,
    modelId: d.model_id,
    preset: d.preset,
    createdAt: d.created_at,
  };
}

/** A study as the API lists it: its worklist attributes and counts over its series. */
export function studySummaryView(s: StudyRow) {
  const { seriesCount, instanceCount, ...rest } = s;
  return { ...rest, series: seriesCount, instances: instanceCount };
}

/** The worklist attributes of a study; all null for a study without a row yet. */
export function studyAttributesView(s: StudyRow | undefined) {
  return {
    patientName: s?.patientName ?? null,
    patientId: s?.patientId ?? null,
    patientBirthDate: s?.patientBirthDate ?? null,
    accessionNumber: s?.accessionNumber ?? null,
    studyDate: s?.studyDate ?? null,
    studyTime: s?.studyTime ?? null,
    studyDescription: s?.studyDescription ?? null,
    referringPhysicianName: s?.referringPhysicianName ?? null,
  };
}
