import type { LoadedConfig } from '../config/load.js';
import type { OutputKindDefinition, PerSliceOutputKind, SeriesOutputKind } from '../derive/output-kind.js';
import { outputKindNamed, outputKindNames } from '../derive/output-kinds.js';
import { buildProcessingStamp } from '../derive/equipment.js';
import { buildEnhancementReport } from '../derive/enhancement-report-sr.js';
import { renderDicom } from '../render/render-dicom.js';
import type { WindowSpec } from '../render/voi-window.js';
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

/** The registered output kind of that name (src/derive/output-kinds.ts); ConfigError for an unknown one. */
function outputKind(name: string): OutputKindDefinition {
  const kind = outputKindNamed(name);
  if (!kind) throw new ConfigError(`output kind ${name} has no builder; use one of ${outputKindNames().join(', ')}`);
  return kind;
}

function perSlice(name: string): PerSliceOutputKind {
  const kind = outputKind(name);
  if (kind.assembly !== 'per-slice') throw new ConfigError(`output kind ${name} is built per series, not per slice`);
  return kind;
}

function perSeries(name: string): SeriesOutputKind {
  const kind = outputKind(name);
  if (kind.assembly !== 'series') throw new ConfigError(`output kind ${name} is built per slice, not per series`);
  return kind;
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
  const assembly = (kind: string): OutputAssembly => outputKind(kind).assembly;
  const wholeObject = (kind: string, source: Dataset): boolean => {
    const k = outputKind(kind);
    return k.assembly === 'per-slice' && (k.wholeObject?.(source) ?? false);
  };
  return {
    assembly,
    wholeObject,
    buildFrames: (input) => {
      const kind = perSlice(input.outputKind);
      if (!kind.buildFrames || !wholeObject(input.outputKind, input.source)) throw new ConfigError(`output kind ${input.outputKind} builds one object per frame of this source`);
      return kind.buildFrames(input.source, input.frames, { ...common(input), sourceTransferSyntaxUid: input.sourceTransferSyntaxUid });
    },
    build: (input) =>
      perSlice(input.outputKind).buildSlice(
        { source: input.source, image: input.image, window: input.window, sourceFrameIndex: input.sourceFrameIndex },
        { ...common(input), sourceTransferSyntaxUid: input.sourceTransferSyntaxUid },
      ),
    buildReport: ({ model, processedAt, ...input }) =>
      buildEnhancementReport({ ...input, processing: stamp({ model, processedAt, contributionDescription: 'Enhancement report of the derived series' }) }),
    buildSeries: (input) =>
      perSeries(input.outputKind).buildSeries(
        input.frames.map((f) => ({
          source: f.source,
          frameIndex: f.frameIndex,
          image: f.image,
          sourceTransferSyntaxUid: f.sourceTransferSyntaxUid,
          derivationDescription: f.derivationDescription,
          ...(f.derivationCodes ? { derivationCodes: f.derivationCodes } : {}),
        })),
        { ...common(input), instanceNumber: input.instanceNumber },
      ),
  };
}
