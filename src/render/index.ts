export { createRgbImage, type RgbImage } from './rgb-image.js';
export { applyWindow, voiValue, type VoiLutFunction, type WindowSpec } from './voi-window.js';
export {
  autoWindow,
  builtInWindowNames,
  CT_WINDOW_PRESETS,
  fileWindow,
  isKnownWindowName,
  normalizeWindowName,
  resolveWindow,
} from './window-presets.js';
export {
  applyModalityTransform,
  lookUp,
  readModalityTransform,
  type LutTable,
  type ModalityTransform,
} from './modality-lut.js';
export { paddingMask, readPaddingRange, type PaddingRange } from './pixel-padding.js';
export {
  grayToRgb,
  paletteToRgb,
  planarToInterleaved,
  readPalette,
  rgbToBytes,
  rgbToGray,
  ybrFullToRgb,
  ybrRctToRgb,
  type Palette,
} from './colour.js';
export { isGrayscale, noSignalLevel, renderDecoded, renderDicom, type RenderedFrame } from './render-dicom.js';
