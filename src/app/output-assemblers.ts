import { writePart10, type Dataset } from '../dicom/part10.js';
import { derivedSopInstanceUid } from '../dicom/uid.js';
import type { Db } from '../provenance/database.js';
import { registerDerivedSeries } from '../provenance/derived-series.js';
import { recordDerivation, type NewDerivation } from '../provenance/derivations.js';
import type { InstanceRow } from '../provenance/instances.js';
import type { JobRow } from '../provenance/jobs.js';
import type { RgbImage } from '../render/rgb-image.js';
import type { Spool } from '../spool/spool.js';
import { derivationDescriptionFor, derivedSeriesNumber, describeSeries } from './derived-text.js';
import { writePart10WithLargePixels } from './large-part10.js';
import type { DerivedObjectBuilder, EnhancedSlice, OutputAssembly, PresetDescription, RenderedSlice, SeriesAction } from './stages.js';

/** One derived object written to the spool, ready to be delivered. */
export interface DerivedInstance {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  transferSyntaxUid: string;
  path: string;
}

/** Everything the assemblers of one window share. */
export interface WindowContext {
  db: Db;
  spool: Spool;
  builder: DerivedObjectBuilder;
  job: JobRow;
  action: SeriesAction;
  preset?: PresetDescription;
  windowName: string;
  windowIndex: number;
  /** The derived series of this window. */
  seriesUid: string;
  /**
   * One processing time for the whole derived series: Series Date/Time are series-level
   * attributes and must be equal in every instance (dcentvfy checks it).
   */
  processedAt: Date;
  /** Every object written so far (the caller enqueues them once the whole job succeeded). */
  derived: DerivedInstance[];
}

/** A rendered (and maybe enhanced) slice on its way to the derived object. */
export interface AssembledSlice {
  instance: InstanceRow;
  source: Dataset;
  rendered: RenderedSlice;
  /** The enhancer's result; undefined for the render-only stage. */
  enhanced?: EnhancedSlice;
  enhanceMsPerSlice: number;
}

/** Turns the slices of one window into derived objects in the spool, with their provenance. */
export interface OutputAssembler {
  add(slice: AssembledSlice): Promise<void>;
  /** Called once after the last slice; series kinds build their object here. */
  finish(): Promise<void>;
}

export function createAssembler(kind: OutputAssembly, ctx: WindowContext): OutputAssembler {
  return kind === 'series' ? new SeriesAssembler(ctx) : new PerSliceAssembler(ctx);
}

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

function isMultiFrame(ds: Dataset): boolean {
  return Number(ds.NumberOfFrames ?? 1) > 1;
}

/**
 * Registers the derived series before any of its objects is written (deliveries start only after
 * the job), so loop protection recognises it even if the PACS routes it back while we are still
 * sending; and only once an object was built, so a kind the builder refuses leaves no empty series.
 */
function registerOnce(ctx: WindowContext, state: { registered: boolean }, first: Dataset): void {
  if (state.registered) return;
  registerDerivedSeries(ctx.db, {
    seriesUid: ctx.seriesUid,
    sourceSeriesUid: ctx.job.series_uid,
    studyUid: ctx.job.study_uid,
    jobId: ctx.job.id,
    outputKind: ctx.action.output,
    seriesNumber: derivedSeriesNumber(first, ctx.windowIndex),
    description: describeSeries(first, ctx.windowName, ctx.preset),
    createdAt: Date.now(),
  });
  state.registered = true;
}

function descriptionOf(ctx: WindowContext, s: AssembledSlice): string {
  return derivationDescriptionFor({
    window: s.rendered.window,
    windowName: ctx.windowName,
    preset: ctx.preset,
    backgroundProtected: s.enhanced?.backgroundProtected ?? false,
    outputKind: ctx.action.output,
  });
}

/** What provenance needs of a slice (the pixels excluded, so series kinds can drop them). */
type SliceInfo = Pick<AssembledSlice, 'instance' | 'enhanceMsPerSlice'> & {
  rendered: Pick<RenderedSlice, 'frameIndex' | 'window'>;
  enhanced?: Omit<EnhancedSlice, 'image'>;
};

/** The provenance row of one source slice, without the derived object's own fields. */
function provenanceOf(ctx: WindowContext, s: SliceInfo): Omit<NewDerivation, 'derivedSopInstanceUid' | 'derivedSopClassUid' | 'path' | 'sha256'> {
  const preset = ctx.preset;
  return {
    jobId: ctx.job.id,
    sourceSopInstanceUid: s.instance.sopInstanceUid,
    sourceSeriesUid: ctx.job.series_uid,
    sourceFrameIndex: s.rendered.frameIndex,
    derivedSeriesUid: ctx.seriesUid,
    stage: preset ? 'enhance' : 'render',
    modelId: preset?.modelId,
    modelSha256: preset?.modelSha256,
    preset: preset ? ctx.action.enhance : undefined,
    seed: preset?.seed,
    steps: preset?.steps,
    params: {
      window: s.rendered.window ?? null,
      windowName: ctx.windowName,
      output: ctx.action.output,
      frameIndex: s.rendered.frameIndex,
      preset: preset?.params ?? null,
      backgroundProtected: s.enhanced?.backgroundProtected ?? false,
      ...(s.enhanced?.producer ? { producer: s.enhanced.producer } : {}),
    },
    timings: { enhanceMsPerSlice: s.enhanceMsPerSlice, ...(s.enhanced?.timings ?? {}) },
    quality: s.enhanced?.quality,
  };
}

function modelOf(preset: PresetDescription | undefined): { id: string; version: string; sha256: string } | undefined {
  return preset ? { id: preset.modelId, version: preset.modelVersion, sha256: preset.modelSha256 } : undefined;
}

async function writeObject(
  ctx: WindowContext,
  dataset: Dataset,
  sopInstanceUid: string,
  serialise: (ds: Dataset) => Buffer = writePart10,
): Promise<{ path: string; sha256: string }> {
  const relPath = ctx.spool.derivedRelPath(ctx.job.study_uid, ctx.seriesUid, sopInstanceUid);
  return ctx.spool.writeFileDurably(relPath, serialise(dataset));
}

/** A multi-frame object written to the spool, one provenance row per frame (frame numbers from 1). */
async function writeMultiFrame(ctx: WindowContext, dataset: Dataset, sopInstanceUid: string, frames: readonly SliceInfo[]): Promise<void> {
  const written = await writeObject(ctx, dataset, sopInstanceUid, writePart10WithLargePixels);
  const sopClassUid = String(dataset.SOPClassUID);
  for (const [i, frame] of frames.entries()) {
    recordDerivation(ctx.db, {
      ...provenanceOf(ctx, frame),
      derivedSopInstanceUid: sopInstanceUid,
      derivedSopClassUid: sopClassUid,
      derivedFrameNumber: i + 1,
      path: written.path,
      sha256: written.sha256,
    });
  }
  ctx.derived.push({ sopInstanceUid, sopClassUid, seriesUid: ctx.seriesUid, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, path: written.path });
}

/**
 * Per-slice kinds (sc-rgb, derived-grayscale, vl-endoscopic): one object per slice, written as it
 * comes; except where the builder keeps a multi-frame source whole (derived-grayscale of Enhanced
 * CT/MR): its frames, which the pipeline hands over one after the other, are held until the next
 * source object (or the end) and built into one object.
 */
class PerSliceAssembler implements OutputAssembler {
  private readonly state = { registered: false };
  private whole: AssembledSlice[] = [];

  constructor(private readonly ctx: WindowContext) {}

  async add(s: AssembledSlice): Promise<void> {
    const ctx = this.ctx;
    if (this.whole.length > 0 && this.whole[0]!.instance.sopInstanceUid !== s.instance.sopInstanceUid) await this.writeWhole();
    if (ctx.builder.wholeObject(ctx.action.output, s.source)) {
      this.whole.push(s);
      return;
    }
    const sopInstanceUid = derivedSopInstanceUid({
      derivedSeriesUid: ctx.seriesUid,
      sourceSopInstanceUid: s.instance.sopInstanceUid,
      frameIndex: s.rendered.frameIndex,
    });
    const dataset = ctx.builder.build({
      source: s.source,
      image: s.enhanced?.image ?? s.rendered.image,
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      seriesNumber: derivedSeriesNumber(s.source, ctx.windowIndex),
      seriesDescription: describeSeries(s.source, ctx.windowName, ctx.preset),
      derivationDescription: descriptionOf(ctx, s),
      sourceFrameIndex: isMultiFrame(s.source) ? s.rendered.frameIndex : undefined,
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      outputKind: ctx.action.output,
      sourceTransferSyntaxUid: s.instance.transferSyntaxUid,
      window: s.rendered.window,
    });
    registerOnce(ctx, this.state, s.source);
    const written = await writeObject(ctx, dataset, sopInstanceUid);
    const sopClassUid = String(dataset.SOPClassUID);
    recordDerivation(ctx.db, {
      ...provenanceOf(ctx, s),
      derivedSopInstanceUid: sopInstanceUid,
      derivedSopClassUid: sopClassUid,
      path: written.path,
      sha256: written.sha256,
    });
    ctx.derived.push({ sopInstanceUid, sopClassUid, seriesUid: ctx.seriesUid, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, path: written.path });
  }

  async finish(): Promise<void> {
    await this.writeWhole();
  }

  /** The held frames of one source object as one object, one provenance row per frame. */
  private async writeWhole(): Promise<void> {
    const frames = this.whole;
    this.whole = [];
    if (frames.length === 0) return;
    const ctx = this.ctx;
    const first = frames[0]!;
    const sopInstanceUid = derivedSopInstanceUid({ derivedSeriesUid: ctx.seriesUid, sourceSopInstanceUid: first.instance.sopInstanceUid, frameIndex: 0 });
    const dataset = ctx.builder.buildFrames({
      source: first.source,
      frames: frames.map((f) => ({
        frameIndex: f.rendered.frameIndex,
        image: f.enhanced?.image ?? f.rendered.image,
        window: f.rendered.window,
        derivationDescription: descriptionOf(ctx, f),
      })),
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      seriesNumber: derivedSeriesNumber(first.source, ctx.windowIndex),
      seriesDescription: describeSeries(first.source, ctx.windowName, ctx.preset),
      derivationDescription: descriptionOf(ctx, first),
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      outputKind: ctx.action.output,
      sourceTransferSyntaxUid: first.instance.transferSyntaxUid,
    });
    registerOnce(ctx, this.state, first.source);
    await writeMultiFrame(ctx, dataset, sopInstanceUid, frames);
  }
}

interface CollectedFrame {
  slice: SliceInfo & { source: Dataset; rendered: Omit<RenderedSlice, 'image'> };
  image: RgbImage;
  derivationDescription: string;
}

/**
 * Series kinds (mf-sc-rgb): keeps each slice's 8-bit RGB frame and the source header (its pixel
 * data dropped) until the window is complete, then builds one object with the frames in source
 * order. Memory: the frames (Rows × Columns × 3 bytes per slice), then the object's pixel data
 * and its serialisation: about three times the derived object's size at peak (100 × 512² RGB
 * frames, 79 MB: +227 MB RSS).
 */
class SeriesAssembler implements OutputAssembler {
  private readonly state = { registered: false };
  private frames: CollectedFrame[] = [];

  constructor(private readonly ctx: WindowContext) {}

  async add(s: AssembledSlice): Promise<void> {
    const { PixelData: _pixels, ...header } = s.source;
    const { image: renderedImage, ...rendered } = s.rendered;
    const enhanced = s.enhanced ? (({ image: _img, ...rest }) => rest)(s.enhanced) : undefined;
    this.frames.push({
      slice: { instance: s.instance, source: header, rendered, enhanced, enhanceMsPerSlice: s.enhanceMsPerSlice },
      image: s.enhanced?.image ?? renderedImage,
      derivationDescription: descriptionOf(this.ctx, s),
    });
  }

  async finish(): Promise<void> {
    const frames = this.frames;
    this.frames = [];
    // A multi-frame object has one Rows × Columns: a series whose slices differ (a localizer of
    // another size) becomes one object per size, in order of first appearance.
    const groups = new Map<string, CollectedFrame[]>();
    for (const f of frames) {
      const key = `${f.image.width}x${f.image.height}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    frames.length = 0;
    let index = 0;
    for (const group of groups.values()) await this.writeGroup(group, index++);
  }

  private async writeGroup(frames: CollectedFrame[], index: number): Promise<void> {
    const ctx = this.ctx;
    const first = frames[0]!.slice.source;
    // One object per derived series and size: its UID derives from the series, the source series
    // and the group's place (0 for the first, so a uniform series keeps one well-known UID).
    const sopInstanceUid = derivedSopInstanceUid({ derivedSeriesUid: ctx.seriesUid, sourceSopInstanceUid: ctx.job.series_uid, frameIndex: index });
    const dataset = ctx.builder.buildSeries({
      frames: frames.map((f) => ({
        source: f.slice.source,
        frameIndex: f.slice.rendered.frameIndex,
        image: f.image,
        sourceTransferSyntaxUid: f.slice.instance.transferSyntaxUid,
        derivationDescription: f.derivationDescription,
      })),
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      instanceNumber: index + 1,
      seriesNumber: derivedSeriesNumber(first, ctx.windowIndex),
      seriesDescription: describeSeries(first, ctx.windowName, ctx.preset),
      derivationDescription: frames[0]!.derivationDescription,
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      outputKind: ctx.action.output,
    });
    // The frames now live in the data set; drop our references before serialising it.
    const slices = frames.map((f) => f.slice);
    frames.length = 0;
    registerOnce(ctx, this.state, first);
    await writeMultiFrame(ctx, dataset, sopInstanceUid, slices);
  }
}
