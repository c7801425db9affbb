import type { Dataset } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import { ConformanceError } from '../shared/errors.js';
import { CLASSICAL_STEP_CODES, codeItem, type CodedConcept, LOCAL_SCHEME, REPORT_CONCEPTS } from './codes.js';
import { copiedPatientAndStudy, processingTime } from './derived-base.js';
import { fitText } from './dicom-text.js';
import type { ProcessingStamp } from './equipment.js';
import { ensureCharacterSet, requireSourceUid } from './sc-validate.js';
import { NOT_FOR_PRIMARY_DIAGNOSIS } from './series-description.js';

/** Basic Text SR Storage (PS3.4 Annex B; IOD PS3.3 A.35.1). */
export const BASIC_TEXT_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.11';

/** An instance the report references (Current Requested Procedure Evidence). */
export interface ReportedInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** What the report says about one derived series of the job. */
export interface ReportedSeries {
  derivedSeriesUid: string;
  derivedSeriesDescription: string;
  sourceSeriesUid: string;
  sourceSeriesDescription?: string;
  window: string;
  outputKind: string;
  /** Absent for the render-only stage. */
  model?: { id: string; version: string; sha256: string };
  preset?: string;
  seed?: number;
  estimator?: string;
  networkEvaluationsPerPatch?: number;
  /** Classical steps in processing order (engine step names, see CLASSICAL_STEP_CODES). */
  classicalSteps: readonly string[];
  /** Why the series is (not) called UniMIE. */
  namingReason?: string;
  /** Images the quality figures are averaged over. */
  measuredImages: number;
  /** Measured figures, mean over the images: `xIn`/`xOut` pairs are before/after. */
  quality: Readonly<Record<string, number>>;
}

export interface EnhancementReportParams {
  /** A source instance of the study: patient/study modules and Timezone come from it. */
  source: Dataset;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber: number;
  series: readonly ReportedSeries[];
  /** Every source and derived instance the report speaks of. */
  evidence: readonly ReportedInstance[];
  processing: ProcessingStamp;
}

function invalid(message: string): never {
  throw new ConformanceError('PACS_E_DERIVE_INVALID', `cannot build enhancement report: ${message}`);
}

const requireUid = (uid: string, what: string): void => {
  if (!isValidUid(uid)) invalid(`${what} is not a valid UID: ${JSON.stringify(uid)}`);
};

/** A figure as text: Basic Text SR has no NUM content items (PS3.3 A.35.1.3.1). */
function figure(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
}

function text(concept: CodedConcept, value: string, relationship = 'CONTAINS'): Dataset {
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: [codeItem(concept)], TextValue: fitText(value, 'LT') };
}

function uidRef(concept: CodedConcept, uid: string): Dataset {
  return { RelationshipType: 'CONTAINS', ValueType: 'UIDREF', ConceptNameCodeSequence: [codeItem(concept)], UID: uid };
}

function code(concept: CodedConcept, value: CodedConcept): Dataset {
  return { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: [codeItem(concept)], ConceptCodeSequence: [codeItem(value)] };
}

function container(concept: CodedConcept, items: Dataset[]): Dataset {
  return { ValueType: 'CONTAINER', ConceptNameCodeSequence: [codeItem(concept)], ContinuityOfContent: 'SEPARATE', ContentSequence: items };
}

/** The engine's step as a coded concept; a step the code table does not know keeps its name. */
function stepConcept(step: string): CodedConcept {
  const known = (CLASSICAL_STEP_CODES as Record<string, CodedConcept>)[step];
  return known ?? { value: fitText(step.toUpperCase(), 'SH'), scheme: LOCAL_SCHEME, meaning: step };
}

/** Measured figures as lines: `entropy: before 5.1, after 6.3` for In/Out pairs, `name: value` otherwise. */
export function measuredLines(quality: Readonly<Record<string, number>>): string[] {
  const lines: string[] = [];
  const done = new Set<string>();
  for (const [key, value] of Object.entries(quality)) {
    if (done.has(key)) continue;
    const m = /^(.*)(In|Out)$/.exec(key);
    if (m) {
      const [before, after] = [quality[`${m[1]}In`], quality[`${m[1]}Out`]];
      if (before !== undefined && after !== undefined) {
        lines.push(`${m[1]}: before ${figure(before)}, after ${figure(after)}`);
        done.add(`${m[1]}In`).add(`${m[1]}Out`);
        continue;
      }
    }
    lines.push(`${key}: ${figure(value)}`);
    done.add(key);
  }
  return lines;
}

function seriesSection(s: ReportedSeries): Dataset {
  const items: Dataset[] = [
    uidRef(REPORT_CONCEPTS.seriesInstanceUid, s.derivedSeriesUid),
    text(REPORT_CONCEPTS.seriesDescription, s.derivedSeriesDescription),
    uidRef(REPORT_CONCEPTS.sourceSeries, s.sourceSeriesUid),
  ];
  if (s.sourceSeriesDescription) items.push(text(REPORT_CONCEPTS.sourceSeriesDescription, s.sourceSeriesDescription));
  items.push(text(REPORT_CONCEPTS.window, s.window), text(REPORT_CONCEPTS.outputKind, s.outputKind));
  if (s.model) {
    items.push(
      text(REPORT_CONCEPTS.algorithmName, s.model.id),
      text(REPORT_CONCEPTS.algorithmVersion, s.model.version),
      text(REPORT_CONCEPTS.modelSha256, s.model.sha256),
    );
  } else {
    items.push(text(REPORT_CONCEPTS.algorithmName, 'none (VOI windowing only, no enhancement)'));
  }
  if (s.preset) items.push(text(REPORT_CONCEPTS.algorithmParameters, `preset ${s.preset}`));
  if (s.estimator) items.push(text(REPORT_CONCEPTS.estimator, s.estimator));
  if (s.networkEvaluationsPerPatch !== undefined) items.push(text(REPORT_CONCEPTS.networkEvaluations, figure(s.networkEvaluationsPerPatch)));
  for (const step of s.classicalSteps) items.push(code(REPORT_CONCEPTS.classicalStep, stepConcept(step)));
  if (s.seed !== undefined) items.push(text(REPORT_CONCEPTS.seed, figure(s.seed)));
  if (s.namingReason) items.push(text(REPORT_CONCEPTS.naming, s.namingReason));
  const measured = measuredLines(s.quality);
  if (measured.length > 0) {
    items.push(text(REPORT_CONCEPTS.measured, `mean over ${s.measuredImages} image(s): ${measured.join('; ')}`));
  }
  return { RelationshipType: 'CONTAINS', ...container(REPORT_CONCEPTS.derivedSeries, items) };
}

/**
 * Current Requested Procedure Evidence Sequence (PS3.3 C.17.2, Hierarchical SOP Instance
 * Reference Macro): the instances, grouped by series, all of the one study.
 */
function evidenceSequence(studyUid: string, evidence: readonly ReportedInstance[]): Dataset[] {
  const bySeries = new Map<string, Dataset[]>();
  for (const e of evidence) {
    const refs = bySeries.get(e.seriesInstanceUid) ?? [];
    if (!refs.some((r) => r.ReferencedSOPInstanceUID === e.sopInstanceUid)) {
      refs.push({ ReferencedSOPClassUID: e.sopClassUid, ReferencedSOPInstanceUID: e.sopInstanceUid });
    }
    bySeries.set(e.seriesInstanceUid, refs);
  }
  return [
    {
      StudyInstanceUID: studyUid,
      ReferencedSeriesSequence: [...bySeries].map(([uid, refs]) => ({ SeriesInstanceUID: uid, ReferencedSOPSequence: refs })),
    },
  ];
}

/**
 * Builds the enhancement report of one job: a Basic Text SR (PS3.3 A.35.1) in the source's study,
 * its own series (Modality SR), that states per derived series its source, model (id, version,
 * SHA-256), what ran (estimator, network evaluations, classical steps, seed) and the measured
 * before/after figures, so a radiologist can read it in any viewer. The content tree uses only
 * CONTAINER, TEXT, UIDREF and CODE items by value (A.35.1.3.1: no NUM, no by-reference).
 * Completion Flag COMPLETE (the report says all the node has to say), Verification Flag
 * UNVERIFIED (nobody attested it; clinical assumption, flagged). Throws PACS_E_DERIVE_INVALID on
 * an incomplete request and PACS_E_DERIVE_SOURCE_INCOMPLETE on a source without study identity.
 */
export function buildEnhancementReport(p: EnhancementReportParams): Dataset {
  const studyUid = requireSourceUid(p.source, 'StudyInstanceUID');
  requireUid(p.sopInstanceUid, 'SOP Instance UID');
  requireUid(p.seriesInstanceUid, 'Series Instance UID');
  if (!Number.isInteger(p.seriesNumber)) invalid('Series Number must be an integer');
  if (p.series.length === 0) invalid('no derived series to report');
  if (p.evidence.length === 0) invalid('no referenced instances');
  for (const e of p.evidence) {
    requireUid(e.sopClassUid, 'referenced SOP Class UID');
    requireUid(e.sopInstanceUid, 'referenced SOP Instance UID');
    requireUid(e.seriesInstanceUid, 'referenced Series Instance UID');
  }
  for (const s of p.series) {
    requireUid(s.derivedSeriesUid, 'derived Series Instance UID');
    requireUid(s.sourceSeriesUid, 'source Series Instance UID');
    if (!s.derivedSeriesDescription.trim()) invalid(`derived series ${s.derivedSeriesUid} has no description`);
    if (!s.window.trim() || !s.outputKind.trim()) invalid(`derived series ${s.derivedSeriesUid} has no window or output kind`);
    if (s.model && (!s.model.id || !s.model.version || !/^[0-9a-f]{64}$/i.test(s.model.sha256))) {
      invalid(`derived series ${s.derivedSeriesUid}: model needs id, version and a 64-hex SHA-256`);
    }
    if (!p.evidence.some((e) => e.seriesInstanceUid === s.derivedSeriesUid)) invalid(`derived series ${s.derivedSeriesUid} has no referenced instance`);
    if (!p.evidence.some((e) => e.seriesInstanceUid === s.sourceSeriesUid)) invalid(`source series ${s.sourceSeriesUid} has no referenced instance`);
  }
  const patientAndStudy = copiedPatientAndStudy(p.source);
  if (patientAndStudy.StudyInstanceUID !== undefined && String(patientAndStudy.StudyInstanceUID).trim() !== studyUid) {
    invalid('patient/study attributes belong to another study');
  }
  const now = processingTime({ patientAndStudy, processing: p.processing });
  const ds: Dataset = {
    ...patientAndStudy,
    // SOP Common (C.12.1)
    SOPClassUID: BASIC_TEXT_SR_STORAGE,
    SOPInstanceUID: p.sopInstanceUid,
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    StudyInstanceUID: studyUid,
    // SR Document Series (C.17.1)
    Modality: 'SR',
    SeriesInstanceUID: p.seriesInstanceUid,
    SeriesNumber: p.seriesNumber,
    SeriesDate: now.date,
    SeriesTime: now.time,
    SeriesDescription: fitText(`Enhancement report; ${NOT_FOR_PRIMARY_DIAGNOSIS}`, 'LO'),
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment (C.7.5.1): the equipment that made this document is the node.
    Manufacturer: fitText(p.processing.manufacturer, 'LO'),
    ManufacturerModelName: fitText(p.processing.modelName, 'LO'),
    SoftwareVersions: p.processing.softwareVersions.map((v) => fitText(v, 'LO')),
    ...(p.processing.stationAeTitle ? { StationName: fitText(p.processing.stationAeTitle, 'SH') } : {}),
    // SR Document General (C.17.2)
    InstanceNumber: 1,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    ContentDate: now.date,
    ContentTime: now.time,
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(studyUid, p.evidence),
    // SR Document Content (C.17.3): the root container
    ...container(REPORT_CONCEPTS.title, [
      text(
        REPORT_CONCEPTS.notice,
        `Made by ${p.processing.manufacturer} (${p.processing.softwareVersions[0] ?? ''}) from the series below; the derived images are ${NOT_FOR_PRIMARY_DIAGNOSIS}.`,
      ),
      ...p.series.map(seriesSection),
    ]),
  };
  ensureCharacterSet(ds);
  return ds;
}

