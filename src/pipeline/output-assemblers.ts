import { writePart10, type Dataset } from '../dicom/part10.js';
import { TransferSyntax } from '../dicom/transfer-syntax.js';
import { derivedSopInstanceUid } from '../dicom/uid.js';
import { recordDerivation } from '../provenance/derivations.js';
import type { RgbImage } from '../render/rgb-image.js';
import type { CodedConcept } from '../derive/codes.js';
import { derivedSeriesNumber } from './derived-text.js';
import { writePart10WithLargePixels } from './large-part10.js';
import type { OutputAssembly, RenderedSlice } from './stages.js';
import {
  codesOf,
  contributionOf,
  descriptionOf,
  modelOf,
  provenanceOf,
  registerOnce,
  seriesTextOf,
  unionOfCodes,
  type AssembledSlice,
  type SeriesState,
  type SliceInfo,
  type WindowContext,
} from './window-context.js';

export type { AssembledSlice, WindowContext } from './window-context.js';

/** One derived object written to the spool, ready to be delivered. */
export interface DerivedInstance {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  transferSyntaxUid: string;
  path: string;
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

function isMultiFrame(ds: Dataset): boolean {
  return Number(ds.NumberOfFrames ?? 1) > 1;
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
  ctx.derived.push({ sopInstanceUid, sopClassUid, seriesUid: ctx.seriesUid, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, path: written.path });
}

/**
 * Per-slice kinds (sc-rgb, derived-grayscale, vl-endoscopic): one object per slice, written as it
 * comes; except where the builder keeps a multi-frame source whole (derived-grayscale of Enhanced
 * CT/MR): its frames, which the pipeline hands over one after the other, are held until the next
 * source object (or the end) and built into one object.
 */
class PerSliceAssembler implements OutputAssembler {
  private readonly state: SeriesState = { registered: false };
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
    const seriesDescription = seriesTextOf(ctx, this.state, s.source, s.enhanced);
    const dataset = ctx.builder.build({
      source: s.source,
      image: s.enhanced?.image ?? s.rendered.image,
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      seriesNumber: derivedSeriesNumber(s.source, ctx.windowIndex),
      seriesDescription,
      derivationDescription: descriptionOf(ctx, s),
      derivationCodes: codesOf(ctx, s.enhanced),
      sourceFrameIndex: isMultiFrame(s.source) ? s.rendered.frameIndex : undefined,
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      contributionDescription: contributionOf(ctx, s.enhanced),
      outputKind: ctx.action.output,
      sourceTransferSyntaxUid: s.instance.transferSyntaxUid,
      window: s.rendered.window,
    });
    registerOnce(ctx, this.state, s.source, seriesDescription);
    const written = await writeObject(ctx, dataset, sopInstanceUid);
    const sopClassUid = String(dataset.SOPClassUID);
    recordDerivation(ctx.db, {
      ...provenanceOf(ctx, s),
      derivedSopInstanceUid: sopInstanceUid,
      derivedSopClassUid: sopClassUid,
      path: written.path,
      sha256: written.sha256,
    });
    ctx.derived.push({ sopInstanceUid, sopClassUid, seriesUid: ctx.seriesUid, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, path: written.path });
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
    const seriesDescription = seriesTextOf(ctx, this.state, first.source, first.enhanced);
    const frameCodes = frames.map((f) => codesOf(ctx, f.enhanced));
    const dataset = ctx.builder.buildFrames({
      source: first.source,
      frames: frames.map((f, i) => ({
        frameIndex: f.rendered.frameIndex,
        image: f.enhanced?.image ?? f.rendered.image,
        window: f.rendered.window,
        derivationDescription: descriptionOf(ctx, f),
        derivationCodes: frameCodes[i]!,
      })),
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      seriesNumber: derivedSeriesNumber(first.source, ctx.windowIndex),
      seriesDescription,
      derivationDescription: descriptionOf(ctx, first),
      derivationCodes: unionOfCodes(frameCodes),
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      contributionDescription: contributionOf(ctx, first.enhanced),
      outputKind: ctx.action.output,
      sourceTransferSyntaxUid: first.instance.transferSyntaxUid,
    });
    registerOnce(ctx, this.state, first.source, seriesDescription);
    await writeMultiFrame(ctx, dataset, sopInstanceUid, frames);
  }
}

interface CollectedFrame {
  slice: SliceInfo & { source: Dataset; rendered: Omit<RenderedSlice, 'image'> };
  image: RgbImage;
  derivationDescription: string;
  derivationCodes: readonly CodedConcept[];
}

/**
 * Series kinds (mf-sc-rgb): keeps each slice's 8-bit RGB frame and the source header (its pixel
 * data dropped) until the window is complete, then builds one object with the frames in source
 * order. Memory: the frames (Rows × Columns × 3 bytes per slice), then the object's pixel data
 * and its serialisation: about three times the derived object's size at peak (100 × 512² RGB
 * frames, 79 MB: +227 MB RSS).
 */
class SeriesAssembler implements OutputAssembler {
  private readonly state: SeriesState = { registered: false };
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
      derivationCodes: codesOf(this.ctx, s.enhanced),
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
    const seriesDescription = seriesTextOf(ctx, this.state, first, frames[0]!.slice.enhanced);
    const dataset = ctx.builder.buildSeries({
      frames: frames.map((f) => ({
        source: f.slice.source,
        frameIndex: f.slice.rendered.frameIndex,
        image: f.image,
        sourceTransferSyntaxUid: f.slice.instance.transferSyntaxUid,
        derivationDescription: f.derivationDescription,
        derivationCodes: f.derivationCodes,
      })),
      seriesInstanceUid: ctx.seriesUid,
      sopInstanceUid,
      instanceNumber: index + 1,
      seriesNumber: derivedSeriesNumber(first, ctx.windowIndex),
      seriesDescription,
      derivationDescription: frames[0]!.derivationDescription,
      derivationCodes: unionOfCodes(frames.map((f) => f.derivationCodes)),
      processedAt: ctx.processedAt,
      model: modelOf(ctx.preset),
      contributionDescription: contributionOf(ctx, frames[0]!.slice.enhanced),
      outputKind: ctx.action.output,
    });
    // The frames now live in the data set; drop our references before serialising it.
    const slices = frames.map((f) => f.slice);
    frames.length = 0;
    registerOnce(ctx, this.state, first, seriesDescription);
    await writeMultiFrame(ctx, dataset, sopInstanceUid, slices);
  }
}
