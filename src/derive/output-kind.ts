import type { Dataset } from '../dicom/part10.js';
import type { RgbImage } from '../render/rgb-image.js';
import type { DerivedFromSourceOptions } from './derived-base.js';
import type { EnhancedSourceFrame } from './enhanced-grayscale-image.js';
import type { ValueWindow } from './grayscale-image.js';
import type { MfScSourceFrame } from './mf-sc-image.js';

/** One rendered (and maybe enhanced) slice, as a per-slice kind builds it. */
export interface OutputSlice {
  source: Dataset;
  image: RgbImage;
  /** 0-based frame of a multi-frame source. */
  sourceFrameIndex?: number;
  /** The VOI window the slice was rendered with (a grayscale kind maps values back into it). */
  window?: ValueWindow;
}

interface OutputKindBase {
  /** As a rule names it (`actions.output`). */
  readonly name: string;
  /** Modalities whose sources it can take: a rule pinning another is refused at load time. Absent: any. */
  readonly modalities?: readonly string[];
  /** A sentence the Derivation Description adds about how the values are stored. */
  readonly derivationNote?: string;
}

/** A kind built one object per source slice, as the slices come. */
export interface PerSliceOutputKind extends OutputKindBase {
  readonly assembly: 'per-slice';
  buildSlice(slice: OutputSlice, options: DerivedFromSourceOptions): Dataset;
  /**
   * Whether, for this source, it builds one object from all frames instead of one per frame (the
   * frames then go to `buildFrames`); absent: never.
   */
  wholeObject?(source: Dataset): boolean;
  buildFrames?(source: Dataset, frames: readonly EnhancedSourceFrame[], options: DerivedFromSourceOptions & { instanceNumber?: number }): Dataset;
}

/** A kind that collects every slice of a window and builds one object at the end. */
export interface SeriesOutputKind extends OutputKindBase {
  readonly assembly: 'series';
  buildSeries(frames: readonly MfScSourceFrame[], options: DerivedFromSourceOptions & { instanceNumber?: number }): Dataset;
}

/**
 * One derived output kind, in one module under src/derive/output-kinds/: which sources it fits,
 * how its objects are assembled, and its builder. Adding a kind is its module plus its entry in
 * src/derive/output-kinds.ts.
 */
export type OutputKindDefinition = PerSliceOutputKind | SeriesOutputKind;
