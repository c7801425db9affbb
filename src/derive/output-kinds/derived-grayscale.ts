import { EnhancedGrayscaleImageBuilder, isEnhancedCtMr } from '../enhanced-grayscale-image.js';
import { GrayscaleImageBuilder } from '../grayscale-image.js';
import type { PerSliceOutputKind } from '../output-kind.js';

/**
 * The source's own IOD (CT or MR Image Storage; Enhanced CT/MR: one multi-frame object per source
 * object), luminance mapped back into the window's value range; CT/MR grayscale sources only.
 */
export const derivedGrayscale: PerSliceOutputKind = {
  name: 'derived-grayscale',
  assembly: 'per-slice',
  modalities: ['CT', 'MR'],
  derivationNote: "Stored as grayscale: luminance mapped back into the window's value range; values are not HU.",
  buildSlice: (slice, options) => GrayscaleImageBuilder.fromSource(slice.source, slice.image, { ...options, window: slice.window }),
  wholeObject: (source) => isEnhancedCtMr(source.SOPClassUID),
  buildFrames: (source, frames, options) => EnhancedGrayscaleImageBuilder.fromSource(source, frames, options),
};
