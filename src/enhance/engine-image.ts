import { rgbToGray } from '../render/colour.js';
import type { RgbImage } from '../render/rgb-image.js';
import type { EngineImage } from './image-planes.js';

/**
 * Grey slices go to the engine as their grey plane, so the output stays grey. A colour image whose
 * channels all turn out equal (a grey picture stored as RGB) is enhanced as grey too.
 */
export function toEngineImage(image: RgbImage): EngineImage {
  if (image.gray) return { width: image.width, height: image.height, gray: image.gray };
  const d = image.data;
  for (let i = 0; i < d.length; i += 3) {
    if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return image;
  }
  return { width: image.width, height: image.height, gray: rgbToGray(image) };
}
