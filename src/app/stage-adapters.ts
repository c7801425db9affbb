import type { LoadedConfig } from '../config/load.js';
import { ScImageBuilder } from '../derive/sc-image.js';
import { buildProcessingStamp } from '../derive/equipment.js';
import { renderDicom, type WindowSpec } from '../render/index.js';
import type { DerivedObjectBuilder, SliceRenderer } from './stages.js';
import { ConfigError } from '../shared/errors.js';

/**
 * The configured fixed windows (built-in and from node.yaml) as the render stage takes them;
 * `file` and `auto` are computed per image by the render stage itself.
 */
export function windowSpecsOf(config: LoadedConfig): Record<string, WindowSpec> {
  const out: Record<string, WindowSpec> = {};
  for (const [name, w] of Object.entries(config.windows)) {
    if (w.source === 'preset') out[name] = { name, center: w.center, width: w.width, voiLutFunction: w.voiLutFunction };
  }
  return out;
}

export function createSliceRenderer(config: () => LoadedConfig): SliceRenderer {
  return {
    render: async (file, windowName) => {
      const frames = await renderDicom(file, windowName, windowSpecsOf(config()));
      return frames.map((f) => ({
        frameIndex: f.frameIndex,
        image: f.image,
        grayscale: f.grayscale,
        window: f.window ? { name: f.window.name, center: f.window.center, width: f.window.width } : undefined,
      }));
    },
  };
}

/** One builder per output kind; only Secondary Capture RGB exists so far. */
export function createDerivedObjectBuilder(stationAeTitle: string): DerivedObjectBuilder {
  return {
    build: (input) => {
      if (input.outputKind !== 'sc-rgb') {
        throw new ConfigError(`output kind ${input.outputKind} is not available yet; use sc-rgb`);
      }
      return ScImageBuilder.fromSource(input.source, input.image, {
        seriesInstanceUid: input.seriesInstanceUid,
        sopInstanceUid: input.sopInstanceUid,
        seriesNumber: input.seriesNumber,
        seriesDescription: input.seriesDescription,
        derivationDescription: input.derivationDescription,
        imageTypeValue4: input.model ? 'ENHANCED' : 'RENDERED',
        sourceFrameIndex: input.sourceFrameIndex,
        operation: input.model ? 'enhance' : 'render',
        sourceTransferSyntaxUid: input.sourceTransferSyntaxUid,
        processing: buildProcessingStamp({
          modelId: input.model?.id,
          modelVersion: input.model?.version,
          modelSha256: input.model?.sha256,
          processedAt: input.processedAt,
          description: input.model ? 'UniMIE diffusion enhancement' : 'Windowed rendering to RGB',
          stationAeTitle,
        }),
      });
    },
  };
}
