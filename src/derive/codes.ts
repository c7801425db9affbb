import type { Dataset } from '../dicom/part10.js';

/** A coded concept (PS3.3 Table 8.8-1 Code Sequence Macro, basic attributes). */
export interface CodedConcept {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

/** One Code Sequence item: Code Value (SH ≤ 16), Coding Scheme Designator, Code Meaning. */
export function codeItem(code: CodedConcept): Dataset {
  return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

export function hasCode(items: unknown, code: Pick<CodedConcept, 'value' | 'scheme'>): boolean {
  if (!Array.isArray(items)) return false;
  return items.some(
    (it) =>
      typeof it === 'object' &&
      it !== null &&
      (it as Dataset).CodeValue === code.value &&
      (it as Dataset).CodingSchemeDesignator === code.scheme,
  );
}

/** CID 7202 Source Image Purposes of Reference. */
export const SOURCE_IMAGE_FOR_PROCESSING: CodedConcept = {
  value: '121322',
  scheme: 'DCM',
  meaning: 'Source image for image processing operation',
};

/** CID 7210 Related Series Purposes of Reference. */
export const SOURCE_SERIES_FOR_PROCESSING: CodedConcept = {
  value: '121323',
  scheme: 'DCM',
  meaning: 'Source series for image processing operation',
};

/** CID 7005 Contributing Equipment Purposes of Reference. */
export const ACQUISITION_EQUIPMENT: CodedConcept = { value: '109101', scheme: 'DCM', meaning: 'Acquisition Equipment' };
export const PROCESSING_EQUIPMENT: CodedConcept = { value: '109102', scheme: 'DCM', meaning: 'Processing Equipment' };

/**
 * CID 7203 Image Derivation (extensible). Values checked against the CID 7203 table shipped
 * with pydicom 2.3 (`pydicom/sr/_cid_dict.py`, generated from PS3.16).
 *
 * Neither stage has an exact concept in CID 7203 (there is no "AI enhancement" and no "VOI
 * windowing" concept), so we pick the nearest standard one and describe the exact operation in
 * Derivation Description (model id, version, hash, window):
 * - UniMIE enhancement: the diffusion prior re-synthesises the image under a gain + offset
 *   degradation model; its dominant effect on CT/MR is suppression of noise, i.e. Smoothing
 *   (113087). Edge enhancement (113086) and Unsharp mask (113089) denote sharpening filters,
 *   which this is not; Spatial resampling (113085) would claim a change of the sampling grid,
 *   which the pipeline undoes (same Rows/Columns, Spatial Locations Preserved YES).
 * - Render-only: the pixel values are a VOI window of the source mapped to 8 bits and replicated
 *   to RGB. No CID 7203 concept describes a point transform of one image, and claiming one
 *   (Smoothing, Lossy Compression) would be false, so the sequence is left out (it is Type 3)
 *   and Derivation Description alone says what happened.
 */
export const IMAGE_DERIVATION = {
  smoothing: { value: '113087', scheme: 'DCM', meaning: 'Smoothing' },
  edgeEnhancement: { value: '113086', scheme: 'DCM', meaning: 'Edge enhancement' },
  spatialResampling: { value: '113085', scheme: 'DCM', meaning: 'Spatial resampling' },
} as const satisfies Record<string, CodedConcept>;

/**
 * The render-only stage as a coded concept, for the places where a derivation code is Type 1
 * (Derivation Image functional group, PS3.3 C.7.6.16.2.6). CID 7203 is extensible and has no
 * concept for a VOI window mapped to 8 bits, so a private coding scheme (PS3.16 8.2, "99" prefix)
 * names it; where the code is Type 3 (Derivation Code Sequence) render-only output carries none.
 */
export const RENDER_TO_DISPLAY: CodedConcept = { value: 'VOI-RENDER', scheme: '99UNIMIE', meaning: 'VOI windowing to 8-bit display values' };

/** Which kind of processing produced the pixels. */
export type DerivationOperation = 'enhance' | 'render';

/** Derivation Code Sequence concepts for an operation (see IMAGE_DERIVATION for the reasoning). */
export function derivationCodesFor(operation: DerivationOperation): readonly CodedConcept[] {
  return operation === 'enhance' ? [IMAGE_DERIVATION.smoothing] : [];
}

/** One code for places where the derivation code is Type 1: the CID 7203 one, else RENDER_TO_DISPLAY. */
export function requiredDerivationCode(operation: DerivationOperation): CodedConcept {
  return derivationCodesFor(operation)[0] ?? RENDER_TO_DISPLAY;
}
