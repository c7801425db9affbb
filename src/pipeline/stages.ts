import type { EnhancementReportParams } from '../derive/enhancement-report-sr.js';
import type { DicomFile, Dataset } from '../dicom/part10.js';
import type { CodedConcept } from '../derive/codes.js';
import type { RgbImage } from '../render/rgb-image.js';

/**
 * The seams between the series pipeline and the stages it drives. The pipeline depends only on
 * these, so it can be tested with small fakes and the stages stay ignorant of jobs and SQLite.
 * The enhancement stage's contract is its own folder's (enhance/slice-enhancer.ts).
 */

/** What a routing rule asks to be done with a completed series. */
export interface SeriesAction {
  windows: string[];
  /** Enhancement preset name, or 'none' for the render-only stage. */
  enhance: string;
  output: string;
  destinations: string[];
  /** Also send an enhancement report (Basic Text SR); absent in jobs queued before it existed. */
  report?: boolean;
}

export interface RenderedSlice {
  frameIndex: number;
  image: RgbImage;
  /** The VOI window applied (undefined for colour sources). */
  window?: { name: string; center: number; width: number };
  grayscale: boolean;
  /** Grey level in [0, 1] of "no signal" (CT air) in this rendering (render noSignalLevel). */
  blackLevel: number;
}

export interface SliceRenderer {
  render(file: DicomFile, windowName: string): Promise<RenderedSlice[]>;
}

export interface DerivedObjectInput extends DerivedObjectFields {
  source: Dataset;
  image: RgbImage;
  sourceFrameIndex?: number;
  /** Transfer syntax the source arrived in (a lossy one marks the derived image lossy). */
  sourceTransferSyntaxUid: string;
  /** The VOI window the slice was rendered with (grayscale output maps values back into it). */
  window?: { name: string; center: number; width: number };
}

/** One slice of a series-level object (multi-frame output), in source order. */
export interface DerivedFrameInput {
  /** Source header; its pixel data is not needed any more. */
  source: Dataset;
  /** 0-based frame of the source. */
  frameIndex: number;
  image: RgbImage;
  sourceTransferSyntaxUid: string;
  derivationDescription: string;
  /** This frame's derivation codes; default: the object's. */
  derivationCodes?: readonly CodedConcept[];
}

/** What every derived object, single- or multi-frame, carries at object and series level. */
export interface DerivedObjectFields {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  derivationDescription: string;
  /**
   * Derivation Code Sequence (CID 7203) of what ran; absent = no derivation claimed beyond the
   * render. A multi-frame object lists every code of its frames (each names its own in its functional group).
   */
  derivationCodes?: readonly CodedConcept[];
  processedAt: Date;
  model?: { id: string; version: string; sha256: string };
  /** Contribution Description of the processing equipment (PS3.3 C.12.1): what ran, in short. */
  contributionDescription?: string;
  outputKind: string;
}

/** Everything one series-level derived object (one per source series and window) needs. */
export interface DerivedSeriesInput extends DerivedObjectFields {
  frames: DerivedFrameInput[];
  /** 1 unless the series needs several objects (slices of different sizes). */
  instanceNumber?: number;
}

/** The rendered frames of one multi-frame source object, built into one object (see DerivedObjectBuilder.wholeObject). */
export interface DerivedFramesInput extends DerivedObjectFields {
  /** Source header (pixel data not needed). */
  source: Dataset;
  /** In source frame order. */
  frames: {
    frameIndex: number;
    image: RgbImage;
    window?: { name: string; center: number; width: number };
    derivationDescription: string;
    derivationCodes?: readonly CodedConcept[];
  }[];
  sourceTransferSyntaxUid: string;
}

/**
 * How an output kind is assembled: `per-slice` kinds build one object per source slice as the
 * slices come; `series` kinds collect every slice of a window and build one object at the end.
 */
export type OutputAssembly = 'per-slice' | 'series';

/** Builds the derived objects (data sets ready for writePart10) of every output kind. */
export interface DerivedObjectBuilder {
  /** Throws ConfigError for an unknown kind. */
  assembly(outputKind: string): OutputAssembly;
  /**
   * Whether a per-slice kind builds one object from all frames of this source rather than one per
   * frame (derived-grayscale of an Enhanced CT/MR source keeps the source's multi-frame IOD).
   */
  wholeObject(outputKind: string, source: Dataset): boolean;
  /** One object from all frames of one source (per-slice kinds, where wholeObject says so). */
  buildFrames(input: DerivedFramesInput): Dataset;
  /** One object for one slice (per-slice kinds). */
  build(input: DerivedObjectInput): Dataset;
  /** One object for all slices of a window (series kinds). */
  buildSeries(input: DerivedSeriesInput): Dataset;
  /** The job's enhancement report (Basic Text SR), stamped like the derived objects. */
  buildReport(input: EnhancementReportInput): Dataset;
}

/** What the enhancement report of a job is built from (the stamp is the builder's). */
export type EnhancementReportInput = Omit<EnhancementReportParams, 'processing'> & {
  model?: { id: string; version: string; sha256: string };
  processedAt: Date;
};
