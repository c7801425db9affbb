import type { StudyAttributes } from '../dicom/study-attributes.js';
import type { Db } from './database.js';
import { prepared } from './statement-cache.js';
import { containsLike, hasWildcard, personNameKey, wildcardToGlob, wildcardToLike, type DateRange } from './study-match.js';

/** One study as a worklist shows it, with counts over its series. */
export interface StudyRow extends StudyAttributes {
  studyUid: string;
  /** Modalities of its series, sorted. */
  modalities: string[];
  /** Received series (own output included). */
  seriesCount: number;
  instanceCount: number;
  /** Series of ours that the PACS sent back. */
  ownOutputSeries: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
}

/** What a study search matches on; every field optional, all given must match. */
export interface StudySearch {
  /** C-FIND style: `*`/`?` wildcards, case ignored; without `^` it also matches from the given name on. */
  patientName?: string;
  /** Exact, or `*`/`?` wildcards (case-sensitive). */
  patientId?: string;
  accessionNumber?: string;
  studyDate?: DateRange;
  /** One modality among the study's series. */
  modality?: string;
  /** Text the study description contains (case ignored for ASCII). */
  description?: string;
  limit?: number;
  offset?: number;
}

interface RawStudy {
  study_uid: string;
  patient_name: string | null;
  patient_id: string | null;
  patient_birth_date: string | null;
  accession_number: string | null;
  study_date: string | null;
  study_time: string | null;
  study_description: string | null;
  referring_physician_name: string | null;
  modalities: string | null;
  first_received_at: number;
  last_received_at: number;
  series_count: number;
  instance_count: number;
  own_output_series: number;
}

function toRow(r: RawStudy): StudyRow {
  return {
    studyUid: r.study_uid,
    patientName: r.patient_name,
    patientId: r.patient_id,
    patientBirthDate: r.patient_birth_date,
    accessionNumber: r.accession_number,
    studyDate: r.study_date,
    studyTime: r.study_time,
    studyDescription: r.study_description,
    referringPhysicianName: r.referring_physician_name,
    modalities: r.modalities ? r.modalities.split('\\') : [],
    seriesCount: r.series_count,
    instanceCount: r.instance_count,
    ownOutputSeries: r.own_output_series,
    firstReceivedAt: r.first_received_at,
    lastReceivedAt: r.last_received_at,
  };
}

const WITH_COUNTS = `SELECT studies.*,
  (SELECT COUNT(*) FROM series s WHERE s.study_uid = studies.study_uid) AS series_count,
  (SELECT COALESCE(SUM(instance_count), 0) FROM series s WHERE s.study_uid = studies.study_uid) AS instance_count,
  (SELECT COUNT(*) FROM series s WHERE s.study_uid = studies.study_uid AND own_output = 1) AS own_output_series
FROM studies`;

/**
 * Keeps the study row of a series arrival (call it from the series upsert, same transaction):
 * creates it if new, widens first/last arrival and recomputes the modalities from its series.
 */
export function noteStudySeries(db: Db, studyUid: string, receivedAt: number): void {
  prepared(
    db,
    `INSERT INTO studies (study_uid, first_received_at, last_received_at) VALUES (@studyUid, @receivedAt, @receivedAt)
     ON CONFLICT (study_uid) DO UPDATE SET
       first_received_at = MIN(studies.first_received_at, excluded.first_received_at),
       last_received_at = MAX(studies.last_received_at, excluded.last_received_at)`,
  ).run({ studyUid, receivedAt });
  prepared(
    db,
    `UPDATE studies SET modalities =
       (SELECT group_concat(m, '\\') FROM (SELECT DISTINCT modality AS m FROM series WHERE study_uid = @studyUid AND modality IS NOT NULL ORDER BY m))
     WHERE study_uid = @studyUid`,
  ).run({ studyUid });
}

/**
 * Sets the worklist attributes of a study from an arriving instance (after its series arrival,
 * same transaction). The latest non-empty value of each wins, so a corrected re-send corrects it;
 * an absent one keeps what earlier instances said. A row that would not change is not written:
 * every slice of a series says the same, and rewriting the row rewrote its three indexes too.
 */
export function recordStudyAttributes(db: Db, studyUid: string, a: StudyAttributes): void {
  prepared(
    db,
    `UPDATE studies SET
       patient_name = COALESCE(@patientName, patient_name),
       patient_name_key = COALESCE(@patientNameKey, patient_name_key),
       patient_id = COALESCE(@patientId, patient_id),
       patient_birth_date = COALESCE(@patientBirthDate, patient_birth_date),
       accession_number = COALESCE(@accessionNumber, accession_number),
       study_date = COALESCE(@studyDate, study_date),
       study_time = COALESCE(@studyTime, study_time),
       study_description = COALESCE(@studyDescription, study_description),
       referring_physician_name = COALESCE(@referringPhysicianName, referring_physician_name)
     WHERE study_uid = @studyUid AND (
       patient_name IS NOT COALESCE(@patientName, patient_name) OR
       patient_name_key IS NOT COALESCE(@patientNameKey, patient_name_key) OR
       patient_id IS NOT COALESCE(@patientId, patient_id) OR
       patient_birth_date IS NOT COALESCE(@patientBirthDate, patient_birth_date) OR
       accession_number IS NOT COALESCE(@accessionNumber, accession_number) OR
       study_date IS NOT COALESCE(@studyDate, study_date) OR
       study_time IS NOT COALESCE(@studyTime, study_time) OR
       study_description IS NOT COALESCE(@studyDescription, study_description) OR
       referring_physician_name IS NOT COALESCE(@referringPhysicianName, referring_physician_name))`,
  ).run({
    studyUid,
    patientName: a.patientName,
    patientNameKey: a.patientName === null ? null : personNameKey(a.patientName),
    patientId: a.patientId,
    patientBirthDate: a.patientBirthDate,
    accessionNumber: a.accessionNumber,
    studyDate: a.studyDate,
    studyTime: a.studyTime,
    studyDescription: a.studyDescription,
    referringPhysicianName: a.referringPhysicianName,
  });
}

export function getStudy(db: Db, studyUid: string): StudyRow | undefined {
  const r = prepared(db, `${WITH_COUNTS} WHERE study_uid = ?`).get(studyUid) as RawStudy | undefined;
  return r && toRow(r);
}

/** Studies matching a search, most recently active first. */
export function searchStudies(db: Db, q: StudySearch = {}): StudyRow[] {
  const name = q.patientName === undefined ? null : wildcardToLike(personNameKey(q.patientName));
  const id = q.patientId ?? null;
  return (
    prepared(
      db,
      `${WITH_COUNTS}
       WHERE (@name IS NULL OR patient_name_key LIKE @name ESCAPE '\\'
              OR (@givenToo = 1 AND instr(patient_name_key, '^') > 0
                  AND substr(patient_name_key, instr(patient_name_key, '^') + 1) LIKE @name ESCAPE '\\'))
         AND (@id IS NULL OR (@idGlob = 0 AND patient_id = @id) OR (@idGlob = 1 AND patient_id GLOB @id))
         AND (@accession IS NULL OR accession_number = @accession)
         AND (@from IS NULL OR study_date >= @from)
         AND (@to IS NULL OR study_date <= @to)
         AND (@modality IS NULL OR instr('\\' || modalities || '\\', '\\' || @modality || '\\') > 0)
         AND (@description IS NULL OR study_description LIKE @description ESCAPE '\\')
       ORDER BY last_received_at DESC, study_uid LIMIT @limit OFFSET @offset`,
    ).all({
      name,
      givenToo: q.patientName !== undefined && !q.patientName.includes('^') ? 1 : 0,
      id: id === null ? null : hasWildcard(id) ? wildcardToGlob(id) : id,
      idGlob: id !== null && hasWildcard(id) ? 1 : 0,
      accession: q.accessionNumber ?? null,
      from: q.studyDate?.from ?? null,
      to: q.studyDate?.to ?? null,
      modality: q.modality ?? null,
      description: q.description === undefined ? null : containsLike(q.description),
      limit: q.limit ?? 100,
      offset: q.offset ?? 0,
    }) as RawStudy[]
  ).map(toRow);
}

/** A study and the file of one of its current, unpurged instances (newest), to read its attributes from. */
export interface StudyFile {
  studyUid: string;
  path: string;
}

/** One stored file per study that still has one (for `studies reindex`). */
export function oneFilePerStudy(db: Db): StudyFile[] {
  return prepared(
    db,
    `SELECT study_uid AS studyUid,
       (SELECT i.path FROM series s JOIN instances i ON i.series_uid = s.series_uid
        WHERE s.study_uid = studies.study_uid AND i.status != 'replaced' AND i.purged_at IS NULL
        ORDER BY i.received_at DESC LIMIT 1) AS path
     FROM studies WHERE path IS NOT NULL ORDER BY study_uid`,
  ).all() as StudyFile[];
}
