import type { LoadedConfig } from '../config/load.js';
import { OUTPUT_KINDS } from '../config/rules-schema.js';
import type { OutputKind } from '../config/types.js';
import { EnhancedGrayscaleImageBuilder, isEnhancedCtMr } from '../derive/enhanced-grayscale-image.js';
import { GrayscaleImageBuilder } from '../derive/grayscale-image.js';
import { MultiFrameScBuilder } from '../derive/mf-sc-image.js';
import { ScImageBuilder } from '../derive/sc-image.js';
import { VlEndoscopicBuilder } from '../derive/vl-endoscopic.js';
import { buildProcessingStamp } from '../derive/equipment.js';
import { buildEnhancementReport } from '../derive/enhancement-report-sr.js';
import { renderDicom, type WindowSpec } from '../render/index.js';
import type { DerivedFramesInput, DerivedObjectBuilder, DerivedObjectInput, DerivedSeriesInput, OutputAssembly, SliceRenderer } from './stages.js';
import { ConfigError } from '../shared/errors.js';
import type { Dataset } from '../dicom/part10.js';

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
        blackLevel: f.blackLevel,
        window: f.window ? { name: f.window.name, center: f.window.center, width: f.window.width } : undefined,
      }));
    },
  };
}

/** Which builder makes each output kind, and how its objects are assembled. */
const ASSEMBLY: Record<OutputKind, OutputAssembly> = {
  'sc-rgb': 'per-slice',
  'mf-sc-rgb': 'series',
  'derived-grayscale': 'per-slice',
  'vl-endoscopic': 'per-slice',
};

function isOutputKind(kind: string): kind is OutputKind {
  return (OUTPUT_KINDS as readonly string[]).includes(kind);
}

/** One builder per output kind (src/derive/), each enforcing its IOD. */
export function createDerivedObjectBuilder(stationAeTitle: string): DerivedObjectBuilder {
  const stamp = (input: { model?: { id: string; version: string; sha256: string }; processedAt: Date; contributionDescription?: string }) =>
    buildProcessingStamp({
      modelId: input.model?.id,
      modelVersion: input.model?.version,
      modelSha256: input.model?.sha256,
      processedAt: input.processedAt,
      description: input.contributionDescription ?? (input.model ? 'Image enhancement' : 'Windowed rendering to RGB'),
      stationAeTitle,
    });
  const common = (input: DerivedObjectInput | DerivedSeriesInput | DerivedFramesInput) => ({
    seriesInstanceUid: input.seriesInstanceUid,
    sopInstanceUid: input.sopInstanceUid,
    seriesNumber: input.seriesNumber,
    seriesDescription: input.seriesDescription,
    derivationDescription: input.derivationDescription,
    imageTypeValue4: input.model ? 'ENHANCED' : 'RENDERED',
    // Only what the caller says ran is coded (CID 7203); nothing said, nothing claimed.
    derivationCodes: input.derivationCodes ?? [],
    processing: stamp(input),
  });
  const assembly = (kind: string): OutputAssembly => {
    if (!isOutputKind(kind)) throw new ConfigError(`output kind ${kind} has no builder; use one of ${OUTPUT_KINDS.join(', ')}`);
    return ASSEMBLY[kind];
  };
  const wholeObject = (kind: string, source: Dataset): boolean => kind === 'derived-grayscale' && isEnhancedCtMr(source.SOPClassUID);
  return {
    assembly,
    wholeObject,
    buildFrames: (input) => {
      if (!wholeObject(input.outputKind, input.source)) throw new ConfigError(`output kind ${input.outputKind} builds one object per frame of this source`);
      return EnhancedGrayscaleImageBuilder.fromSource(input.source, input.frames, { ...common(input), sourceTransferSyntaxUid: input.sourceTransferSyntaxUid });
    },
    build: (input) => {
      if (assembly(input.outputKind) !== 'per-slice') throw new ConfigError(`output kind ${input.outputKind} is built per series, not per slice`);
      const options = { ...common(input), sourceTransferSyntaxUid: input.sourceTransferSyntaxUid };
      switch (input.outputKind as OutputKind) {
        case 'derived-grayscale':
          return GrayscaleImageBuilder.fromSource(input.source, input.image, { ...options, window: input.window });
        case 'vl-endoscopic':
          return VlEndoscopicBuilder.fromSource(input.source, input.image, options);
        default:
          return ScImageBuilder.fromSource(input.source, input.image, { ...options, sourceFrameIndex: input.sourceFrameIndex });
      }
    },
    buildReport: ({ model, processedAt, ...input }) =>
      buildEnhancementReport({ ...input, processing: stamp({ model, processedAt, contributionDescription: 'Enhancement report of the derived series' }) }),
    buildSeries: (input) => {
      if (assembly(input.outputKind) !== 'series') throw new ConfigError(`output kind ${input.outputKind} is built per slice, not per series`);
      return MultiFrameScBuilder.fromSources(
        input.frames.map((f) => ({
          source: f.source,
          frameIndex: f.frameIndex,
          image: f.image,
          sourceTransferSyntaxUid: f.sourceTransferSyntaxUid,
          derivationDescription: f.derivationDescription,
          ...(f.derivationCodes ? { derivationCodes: f.derivationCodes } : {}),
        })),
        { ...common(input), instanceNumber: input.instanceNumber },
      );
    },
  };
}
