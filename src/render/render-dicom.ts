import type { Dataset, DicomFile } from '../dicom/part10.js';
import { decodeFrames, type DecodedImage } from '../dicom/pixels.js';
import { ConformanceError } from '../shared/errors.js';
import { grayToRgb, paletteToRgb, readPalette, rgbToBytes, ybrFullToRgb, ybrRctToRgb } from './colour.js';
import { applyModalityTransform, readModalityTransform } from './modality-lut.js';
import { paddingMask, readPaddingRange } from './pixel-padding.js';
import { createRgbImage, type RgbImage } from './rgb-image.js';
import { applyWindow, voiValue, type WindowSpec } from './voi-window.js';
import { resolveWindow } from './window-presets.js';

/** One rendered frame of a source object. */
export interface RenderedFrame {
  frameIndex: number;
  image: RgbImage;
  /** The VOI window applied; undefined for colour images, which are never windowed. */
  window?: WindowSpec;
  grayscale: boolean;
  /** Grey level in [0, 1] of "no signal" in this rendering (noSignalLevel); 0 for colour. */
  blackLevel: number;
}

/** Modality value of "no signal": air in Hounsfield units for CT; 0 for modalities whose values are intensities. */
const NO_SIGNAL_VALUE: Record<string, number> = { CT: -1000 };

/**
 * Where "no signal" (air in CT, zero intensity elsewhere) falls in a windowed rendering, in
 * [0, 1]: 0 for the usual windows, above 0 where the window starts below it (a CT lung window
 * shows air as dark grey). A contrast stretch that maps the darkest pixels to black would
 * otherwise turn that grey air black. MONOCHROME1 shows no signal as white: 0 (nothing claimed).
 */
export function noSignalLevel(modality: string, window: WindowSpec, invert: boolean): number {
  if (invert) return 0;
  return voiValue(NO_SIGNAL_VALUE[modality] ?? 0, window.center, window.width, window.voiLutFunction ?? 'LINEAR') / 255;
}

/** Whether the decoded photometric interpretation is windowed grey (MONOCHROME1/2). */
export function isGrayscale(photometric: string): boolean {
  return photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
}

function renderColour(ds: Dataset, decoded: DecodedImage, frame: ArrayLike<number>): RgbImage {
  const pm = decoded.pixelModule;
  const bits = pm.BitsStored;
  let data: Uint8Array;
  switch (pm.PhotometricInterpretation) {
    case 'RGB':
      data = rgbToBytes(frame, bits);
      break;
    case 'YBR_FULL':
    case 'YBR_ICT':
      data = ybrFullToRgb(frame, bits);
      break;
    case 'YBR_RCT':
      data = ybrRctToRgb(frame, bits);
      break;
    case 'PALETTE COLOR': {
      const palette = readPalette(ds, pm);
      if (!palette) {
        throw new ConformanceError('PACS_E_PALETTE', 'PALETTE COLOR image without readable palette tables', {
          dimseStatus: 0xa900,
        });
      }
      data = paletteToRgb(frame, palette);
      break;
    }
    default:
      throw new ConformanceError('PACS_E_PHOTOMETRIC_UNSUPPORTED', `cannot render ${pm.PhotometricInterpretation}`);
  }
  return createRgbImage(pm.Columns, pm.Rows, data);
}

/**
 * Renders decoded frames to 8-bit RGB. Grey: stored → padding mask → modality LUT → VOI window
 * → MONOCHROME1 inversion, padded pixels black. Colour (RGB, YBR_*, PALETTE COLOR): converted to
 * RGB without windowing; `windowName` is ignored.
 */
export function renderDecoded(
  ds: Dataset,
  decoded: DecodedImage,
  windowName: string,
  custom?: Record<string, WindowSpec>,
): RenderedFrame[] {
  const pm = decoded.pixelModule;
  if (!isGrayscale(pm.PhotometricInterpretation)) {
    return decoded.frames.map((frame, frameIndex) => ({
      frameIndex,
      image: renderColour(ds, decoded, frame),
      grayscale: false,
      blackLevel: 0,
    }));
  }
  const padding = readPaddingRange(ds, pm);
  const invert = pm.PhotometricInterpretation === 'MONOCHROME1';
  return decoded.frames.map((frame, frameIndex) => {
    const values = applyModalityTransform(frame, readModalityTransform(ds, pm, frameIndex), paddingMask(frame, padding));
    const window = resolveWindow(ds, pm, values, windowName, custom, frameIndex);
    const gray = applyWindow(values, window, invert);
    const blackLevel = noSignalLevel(String(ds.Modality ?? ''), window, invert);
    return { frameIndex, image: grayToRgb(gray, pm.Columns, pm.Rows), window, grayscale: true, blackLevel };
  });
}

/** Decodes a Part-10 object and renders every frame (see renderDecoded and resolveWindow). */
export async function renderDicom(file: DicomFile, windowName: string, custom?: Record<string, WindowSpec>): Promise<RenderedFrame[]> {
  const decoded = await decodeFrames(file);
  return renderDecoded(file.dataset, decoded, windowName, custom);
}
