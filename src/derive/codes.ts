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
 * with pydicom 2.3 (`pydicom/sr/_cid_dict.py`, generated from PS3.16): it has Smoothing,
 * Gaussian blur, Edge enhancement, Unsharp mask, the pixel-by-pixel arithmetic concepts
 * (addition, subtraction, mask, …), Spatial resampling and reformatting/rendering concepts, but
 * no concept for noise reduction by a learned prior, contrast stretching, gamma/tone mapping or
 * illumination correction.
 *
 * - Smoothing (113087): the UniMIE diffusion prior, and only when it earned the name (its
 *   measured contribution over the network-free twin is a PSNR gain on noisy images, i.e. noise
 *   suppression). Edge enhancement (113086) would claim a sharpening filter, which the prior is
 *   not; Spatial resampling (113085) a change of the sampling grid, which the pipeline undoes
 *   (same Rows/Columns, Spatial Locations Preserved YES).
 * - Unsharp mask (113089): the detail boost adds a gain times the input's high-pass
 *   (input − Gaussian low-pass), which is what unsharp masking is.
 * - Pixel by pixel mask (113047): the background copy keeps the input's pixels under a
 *   (feathered) background mask and the enhanced ones elsewhere: a masking of two images.
 */
export const IMAGE_DERIVATION = {
  smoothing: { value: '113087', scheme: 'DCM', meaning: 'Smoothing' },
  edgeEnhancement: { value: '113086', scheme: 'DCM', meaning: 'Edge enhancement' },
  spatialResampling: { value: '113085', scheme: 'DCM', meaning: 'Spatial resampling' },
  unsharpMask: { value: '113089', scheme: 'DCM', meaning: 'Unsharp mask' },
  pixelByPixelMask: { value: '113047', scheme: 'DCM', meaning: 'Pixel by pixel mask' },
} as const satisfies Record<string, CodedConcept>;

/**
 * The node's local coding scheme (PS3.16 8.2: a designator starting with "99" is a private
 * scheme). CID 7203 is extensible, so the steps it has no concept for are named here rather than
 * left out or forced onto a DCM code whose meaning they do not have. Code Value is SH (≤ 16).
 */
export const LOCAL_SCHEME = '99UNIMIE';

/**
 * The render-only stage as a coded concept, for the places where a derivation code is Type 1
 * (Derivation Image functional group, PS3.3 C.7.6.16.2.6). CID 7203 has no concept for a VOI
 * window mapped to 8 bits, so the local scheme names it; where the code is Type 3 (Derivation
 * Code Sequence) render-only output carries none.
 */
export const RENDER_TO_DISPLAY: CodedConcept = { value: 'VOI-RENDER', scheme: LOCAL_SCHEME, meaning: 'VOI windowing to 8-bit display values' };

/**
 * One concept per classical step the engine may apply (applied-processing.ts), standard where
 * CID 7203 has one (see IMAGE_DERIVATION), local otherwise. Keys are the engine's step names.
 */
export const CLASSICAL_STEP_CODES = {
  'contrast-stretch': { value: 'STRETCH-PCTL', scheme: LOCAL_SCHEME, meaning: 'Percentile contrast stretch' },
  'gamma-start': { value: 'GAMMA', scheme: LOCAL_SCHEME, meaning: 'Gamma brightening' },
  'local-gamma-start': { value: 'LOCAL-GAMMA', scheme: LOCAL_SCHEME, meaning: 'Local gamma illumination correction' },
  'detail-transfer': { value: 'DETAIL-TRANSFER', scheme: LOCAL_SCHEME, meaning: 'Detail transfer from the input' },
  'detail-boost': IMAGE_DERIVATION.unsharpMask,
  'background-copy': IMAGE_DERIVATION.pixelByPixelMask,
  'background-smoothing': { value: 'BG-SMOOTH', scheme: LOCAL_SCHEME, meaning: 'Background from a smoothed copy of the input' },
} as const satisfies Record<string, CodedConcept>;

export type ClassicalStepName = keyof typeof CLASSICAL_STEP_CODES;

/** The diffusion prior's own concept, beside Smoothing, so a reader can tell it from a filter. */
export const UNIMIE_DIFFUSION_PRIOR: CodedConcept = { value: 'UNIMIE-PRIOR', scheme: LOCAL_SCHEME, meaning: 'UniMIE diffusion prior enhancement' };

/** What produced the pixels, as far as the codes are concerned. */
export type DerivationOperation =
  | 'render'
  | 'enhance'
  | { unimie: boolean; classical: readonly ClassicalStepName[] };

/**
 * Derivation Code Sequence concepts (CID 7203) for an operation: the prior (Smoothing plus the
 * local UniMIE concept) only when it earned the name, then one concept per classical step in
 * processing order. `'enhance'` (no record of what ran) keeps the historic Smoothing; render-only
 * output carries none (a VOI window is no CID 7203 operation).
 */
export function derivationCodesFor(operation: DerivationOperation): readonly CodedConcept[] {
  if (operation === 'render') return [];
  if (operation === 'enhance') return [IMAGE_DERIVATION.smoothing];
  const codes: CodedConcept[] = operation.unimie ? [IMAGE_DERIVATION.smoothing, UNIMIE_DIFFUSION_PRIOR] : [];
  for (const step of operation.classical) {
    const code = CLASSICAL_STEP_CODES[step];
    if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

/**
 * The codes for places where a derivation code is Type 1 (one or more items, PS3.3 C.7.6.16.2.6):
 * the given ones, else RENDER_TO_DISPLAY (every derived image of this node is VOI-rendered first).
 */
export function requiredDerivationCodes(codes: readonly CodedConcept[]): readonly CodedConcept[] {
  return codes.length > 0 ? codes : [RENDER_TO_DISPLAY];
}

/**
 * Concept names of the enhancement report (Basic Text SR, no template). Standard where PS3.16 has
 * the concept (checked against pydicom's `_concepts_dict.py`): Series Instance UID (112002),
 * Algorithm Name/Version/Parameters (TID 4019: 111001/111003/111002), Source series for image
 * processing operation (121323). The document title is local: CID 7000's titles name diagnostic
 * reports (e.g. 18748-4 "Diagnostic Imaging Report"), and a processing log titled so would claim
 * a reading that nobody made.
 */
export const REPORT_CONCEPTS = {
  title: { value: 'ENH-REPORT', scheme: LOCAL_SCHEME, meaning: 'Image enhancement report' },
  notice: { value: 'NOTICE', scheme: LOCAL_SCHEME, meaning: 'Notice' },
  derivedSeries: { value: 'DERIVED-SERIES', scheme: LOCAL_SCHEME, meaning: 'Derived series' },
  seriesInstanceUid: { value: '112002', scheme: 'DCM', meaning: 'Series Instance UID' },
  seriesDescription: { value: 'SERIES-DESC', scheme: LOCAL_SCHEME, meaning: 'Series description' },
  sourceSeries: SOURCE_SERIES_FOR_PROCESSING,
  sourceSeriesDescription: { value: 'SOURCE-DESC', scheme: LOCAL_SCHEME, meaning: 'Source series description' },
  window: { value: 'VOI-WINDOW', scheme: LOCAL_SCHEME, meaning: 'Display window' },
  outputKind: { value: 'OUTPUT-KIND', scheme: LOCAL_SCHEME, meaning: 'Output kind' },
  algorithmName: { value: '111001', scheme: 'DCM', meaning: 'Algorithm Name' },
  algorithmVersion: { value: '111003', scheme: 'DCM', meaning: 'Algorithm Version' },
  algorithmParameters: { value: '111002', scheme: 'DCM', meaning: 'Algorithm Parameters' },
  modelSha256: { value: 'MODEL-SHA256', scheme: LOCAL_SCHEME, meaning: 'Model SHA-256' },
  estimator: { value: 'ESTIMATOR', scheme: LOCAL_SCHEME, meaning: 'Estimator' },
  networkEvaluations: { value: 'NET-EVALS', scheme: LOCAL_SCHEME, meaning: 'Network evaluations per patch' },
  classicalStep: { value: 'CLASSICAL-STEP', scheme: LOCAL_SCHEME, meaning: 'Classical processing step' },
  seed: { value: 'SEED', scheme: LOCAL_SCHEME, meaning: 'Random seed' },
  naming: { value: 'NAMING', scheme: LOCAL_SCHEME, meaning: 'Why the series is (not) called UniMIE' },
  measured: { value: 'MEASURED', scheme: LOCAL_SCHEME, meaning: 'Measured before/after' },
} as const satisfies Record<string, CodedConcept>;
