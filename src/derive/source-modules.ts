import type { Dataset } from '../dicom/part10.js';
import { currentFormValue } from './legacy-values.js';

/**
 * Attributes a derived instance takes over from its source, grouped by module. Copying is by
 * allow-list, so private tags, Rescale/VOI/palette/padding attributes and anything else of the
 * source's IOD never reach the derived object by accident.
 */

/** Patient Module (PS3.3 C.7.1.1), non-retired attributes. */
export const PATIENT_MODULE = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'IssuerOfPatientIDQualifiersSequence',
  'TypeOfPatientID',
  'PatientBirthDate',
  'PatientBirthTime',
  'PatientBirthDateInAlternativeCalendar',
  'PatientDeathDateInAlternativeCalendar',
  'PatientAlternativeCalendar',
  'PatientSex',
  'ReferencedPatientPhotoSequence',
  'QualityControlSubject',
  'ReferencedPatientSequence',
  'OtherPatientIDsSequence',
  'OtherPatientNames',
  'EthnicGroup',
  'EthnicGroupCodeSequence',
  'PatientComments',
  'PatientSpeciesDescription',
  'PatientSpeciesCodeSequence',
  'PatientBreedDescription',
  'PatientBreedCodeSequence',
  'BreedRegistrationSequence',
  'StrainDescription',
  'StrainNomenclature',
  'StrainCodeSequence',
  'StrainAdditionalInformation',
  'StrainStockSequence',
  'GeneticModificationsSequence',
  'ResponsiblePerson',
  'ResponsiblePersonRole',
  'ResponsibleOrganization',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'DeidentificationMethodCodeSequence',
  'SourcePatientGroupIdentificationSequence',
  'GroupOfPatientsIdentificationSequence',
] as const;

/** Clinical Trial Subject and Clinical Trial Study modules (PS3.3 C.7.1.3, C.7.2.3). */
export const CLINICAL_TRIAL_MODULES = [
  'ClinicalTrialSponsorName',
  'ClinicalTrialProtocolID',
  'ClinicalTrialProtocolName',
  'ClinicalTrialSiteID',
  'ClinicalTrialSiteName',
  'ClinicalTrialSubjectID',
  'ClinicalTrialSubjectReadingID',
  'ClinicalTrialProtocolEthicsCommitteeName',
  'ClinicalTrialProtocolEthicsCommitteeApprovalNumber',
  'EthicsCommitteeApprovalEffectivenessStartDate',
  'EthicsCommitteeApprovalEffectivenessEndDate',
  'ClinicalTrialTimePointID',
  'ClinicalTrialTimePointDescription',
  'LongitudinalTemporalOffsetFromEvent',
  'LongitudinalTemporalEventType',
  'ConsentForClinicalTrialUseSequence',
] as const;

/** General Study Module (PS3.3 C.7.2.1). */
export const GENERAL_STUDY_MODULE = [
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'ReferringPhysicianIdentificationSequence',
  'ConsultingPhysicianName',
  'ConsultingPhysicianIdentificationSequence',
  'StudyID',
  'AccessionNumber',
  'IssuerOfAccessionNumberSequence',
  'StudyDescription',
  'PhysiciansOfRecord',
  'PhysiciansOfRecordIdentificationSequence',
  'NameOfPhysiciansReadingStudy',
  'PhysiciansReadingStudyIdentificationSequence',
  'RequestingServiceCodeSequence',
  'ReferencedStudySequence',
  'ProcedureCodeSequence',
  'ReasonForPerformedProcedureCodeSequence',
] as const;

/** Patient Study Module (PS3.3 C.7.2.2). */
export const PATIENT_STUDY_MODULE = [
  'AdmittingDiagnosesDescription',
  'AdmittingDiagnosesCodeSequence',
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'PatientBodyMassIndex',
  'MeasuredAPDimension',
  'MeasuredLateralDimension',
  'PatientSizeCodeSequence',
  'MedicalAlerts',
  'Allergies',
  'SmokingStatus',
  'PregnancyStatus',
  'LastMenstrualDate',
  'PatientState',
  'Occupation',
  'AdditionalPatientHistory',
  'AdmissionID',
  'IssuerOfAdmissionIDSequence',
  'ServiceEpisodeID',
  'ServiceEpisodeDescription',
  'IssuerOfServiceEpisodeIDSequence',
  'PatientSexNeutered',
] as const;

/** SOP Common attributes that govern how the copied values are read (PS3.3 C.12.1). */
export const SOP_COMMON_CONTEXT = ['SpecificCharacterSet', 'TimezoneOffsetFromUTC'] as const;

/**
 * General Equipment Module (PS3.3 C.7.5.1) — for SC it describes the equipment that acquired the
 * source (C.8.6.1 note 1). Pixel Padding Value is part of this module but meaningless for RGB
 * (derived-dicom.md §3.2), so it is left out.
 */
export const GENERAL_EQUIPMENT_MODULE = [
  'Manufacturer',
  'InstitutionName',
  'InstitutionAddress',
  'StationName',
  'InstitutionalDepartmentName',
  'InstitutionalDepartmentTypeCodeSequence',
  'ManufacturerModelName',
  'ManufacturerDeviceClassUID',
  'DeviceSerialNumber',
  'DeviceUID',
  'GantryID',
  'UDISequence',
  'SoftwareVersions',
  'SpatialResolution',
  'DateOfLastCalibration',
  'TimeOfLastCalibration',
  'DateOfManufacture',
  'DateOfInstallation',
] as const;

/** Series-level context copied from the source series (General Series, PS3.3 C.7.3.1). */
export const SERIES_CONTEXT = ['BodyPartExamined', 'Laterality'] as const;

/** Acquisition timing and numbering (General Acquisition C.7.10.1 / General Image C.7.6.1). */
export const ACQUISITION_CONTEXT = ['AcquisitionNumber', 'AcquisitionDate', 'AcquisitionTime', 'AcquisitionDateTime'] as const;

/**
 * Geometry preserved by the pipeline (Image Plane C.7.6.2, Frame of Reference C.7.4.1). Except
 * Pixel Spacing (SC Image module, C.8.6.2) these are not in the SC IOD, which makes the object a
 * Standard Extended SOP Class (PS3.4 B.1.3); they are what viewers need to link and reconstruct.
 */
export const GEOMETRY = [
  'PixelSpacing',
  'ImagePositionPatient',
  'ImageOrientationPatient',
  'SliceThickness',
  'SliceLocation',
  'FrameOfReferenceUID',
  'PositionReferenceIndicator',
] as const;

/**
 * Type 2 attributes of the Patient (C.7.1.1) and General Study (C.7.2.1) modules: present in
 * every derived object, empty when the source lacks them (old sources often do).
 */
export const PATIENT_STUDY_TYPE2 = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
] as const;

/** The copied patient/study attributes with every missing Type 2 attribute added empty. */
export function withEmptyType2(attributes: Dataset): Dataset {
  const out: Dataset = { ...attributes };
  for (const kw of PATIENT_STUDY_TYPE2) if (out[kw] === undefined) out[kw] = '';
  return out;
}

/** Everything `patientAndStudy` of an SC image may hold. */
export const PATIENT_AND_STUDY = [
  ...SOP_COMMON_CONTEXT,
  ...PATIENT_MODULE,
  ...CLINICAL_TRIAL_MODULES,
  ...GENERAL_STUDY_MODULE,
  ...PATIENT_STUDY_MODULE,
] as const;

/** Everything `context` of an SC image may hold. */
export const IMAGE_CONTEXT = [...SERIES_CONTEXT, ...ACQUISITION_CONTEXT] as const;

/**
 * Deep copy of the listed attributes that the source has (values of Type 2 empties included),
 * with retired ACR-NEMA date/time forms brought into the current DA/TM form (legacy-values.ts).
 */
export function pickAttributes(source: Dataset, keywords: readonly string[]): Dataset {
  const out: Dataset = {};
  for (const kw of keywords) {
    if (Object.prototype.hasOwnProperty.call(source, kw) && source[kw] !== undefined) {
      out[kw] = currentFormValue(kw, cloneValue(source[kw]));
    }
  }
  return out;
}

/** First value of a possibly multi-valued naturalized attribute. */
export function firstValue(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** A non-empty string value, else undefined. */
export function stringValue(value: unknown): string | undefined {
  const v = firstValue(value);
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined;
}

/**
 * Deep copy of a naturalized value. dcmjs decorates its arrays with accessor properties, which
 * structuredClone refuses; plain arrays, objects and buffers are what denaturalize needs.
 */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return Array.from(value, (v: unknown) => cloneValue(v)) as T;
  if (value instanceof ArrayBuffer) return value.slice(0) as T;
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
    return (value instanceof Uint8Array ? bytes : new (value.constructor as new (b: ArrayBuffer) => T)(bytes.buffer)) as T;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneValue(v);
    return out as T;
  }
  return value;
}

/**
 * Body Part Examined terms (PS3.16 Annex L) of unpaired structures, for which Laterality must be
 * absent. Anything else (paired, or a term we do not know) may be paired.
 */
const UNPAIRED_BODY_PARTS = new Set([
  'ABDOMEN', 'ABDOMENPELVIS', 'AORTA', 'BLADDER', 'BRAIN', 'CHEST', 'CHESTABDOMEN', 'CHESTABDPELVIS', 'COCCYX',
  'COLON', 'CSPINE', 'DUODENUM', 'ESOPHAGUS', 'GALLBLADDER', 'HEAD', 'HEADNECK', 'HEART', 'LIVER', 'LSPINE',
  'MEDIASTINUM', 'NECK', 'PANCREAS', 'PELVIS', 'PROSTATE', 'RECTUM', 'SACRUM', 'SKULL', 'SPINE', 'SPLEEN',
  'STERNUM', 'STOMACH', 'THORAX', 'THYROID', 'TRACHEA', 'TSPINE', 'UTERUS', 'WHOLEBODY',
]);

/**
 * Laterality (0020,0060), Type 2C in General Series: required for paired body parts, and not
 * allowed for unpaired ones. The source's value is kept; without one, a known unpaired body part
 * gets none and anything else an empty (= unknown) value.
 */
export function lateralityFor(source: Dataset): string | undefined {
  const own = stringValue(source.Laterality);
  if (own) return own;
  const part = stringValue(source.BodyPartExamined)?.toUpperCase();
  return part !== undefined && UNPAIRED_BODY_PARTS.has(part) ? undefined : '';
}
