import type { Dataset } from '../dicom/part10.js';
import type { CodedConcept } from '../derive/codes.js';
import type { Db } from '../provenance/database.js';
import { registerDerivedSeries } from '../provenance/derived-series.js';
import type { NewDerivation } from '../provenance/derivations.js';
import type { InstanceRow } from '../provenance/instances.js';
import type { JobRow } from '../provenance/jobs.js';
import type { Spool } from '../spool/spool.js';
import {
  contributionDescriptionFor,
  derivationCodesOfRun,
  derivationDescriptionFor,
  derivedSeriesNumber,
  describeSeries,
} from './derived-text.js';
import { nameRun, type PresetNaming, type RunNaming } from './run-naming.js';
import type { DerivedInstance } from './output-assemblers.js';
import type { PresetDescription } from '../enhance/preset-description.js';
import type { EnhancedSlice } from '../enhance/slice-enhancer.js';
import type { DerivedObjectBuilder, RenderedSlice, SeriesAction } from './stages.js';

/**
 * What the assemblers of one window share, and what each derived object and provenance row of it
 * says about how its pixels were made: Series Description (fixed by the series' first image),
 * Derivation Description, Derivation Code Sequence and Contribution Description per image, and
 * the provenance row with what ran.
 */

/** What every writer of a job's derived objects (a window's assemblers, the report) works with. */
export interface JobOutputContext {
  db: Db;
  spool: Spool;
  builder: DerivedObjectBuilder;
  job: JobRow;
  action: SeriesAction;
  preset?: PresetDescription;
}

/** Everything the assemblers of one window share. */
export interface WindowContext extends JobOutputContext {
  /** Whether the preset may be called UniMIE (from the contribution record); default: not measured. */
  naming?: PresetNaming;
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

/** What an assembler remembers of its series. */
export interface SeriesState {
  registered: boolean;
  /** Series Description, fixed by the first image: a series-level attribute is equal in every instance. */
  description?: string;
}

/**
 * Registers the derived series before any of its objects is written (deliveries start only after
 * the job), so loop protection recognises it even if the PACS routes it back while we are still
 * sending; and only once an object was built, so a kind the builder refuses leaves no empty series.
 */
export function registerOnce(ctx: WindowContext, state: SeriesState, first: Dataset, description: string): void {
  if (state.registered) return;
  registerDerivedSeries(ctx.db, {
    seriesUid: ctx.seriesUid,
    sourceSeriesUid: ctx.job.series_uid,
    studyUid: ctx.job.study_uid,
    jobId: ctx.job.id,
    outputKind: ctx.action.output,
    seriesNumber: derivedSeriesNumber(first, ctx.windowIndex),
    description,
    createdAt: Date.now(),
  });
  state.registered = true;
}

const UNMEASURED: PresetNaming = { unimie: false, reason: 'no measurement of the network contribution' };

/** What ran on one image and what it is called; undefined for the render-only stage. */
export function runOf(ctx: WindowContext, enhanced: Pick<EnhancedSlice, 'applied'> | undefined): RunNaming | undefined {
  return ctx.preset && enhanced ? nameRun(ctx.naming ?? UNMEASURED, enhanced.applied) : undefined;
}

/**
 * The series' Series Description, from what ran on its first image (PS3.3 C.7.3.1: one value per
 * series; each image's own Derivation Description says what ran on it).
 */
export function seriesTextOf(ctx: WindowContext, state: SeriesState, source: Dataset, enhanced: Pick<EnhancedSlice, 'applied'> | undefined): string {
  state.description ??= describeSeries(source, ctx.windowName, ctx.preset, runOf(ctx, enhanced));
  return state.description;
}

export function descriptionOf(ctx: WindowContext, s: Pick<AssembledSlice, 'rendered'> & { enhanced?: Pick<EnhancedSlice, 'applied' | 'backgroundProtected'> }): string {
  return derivationDescriptionFor({
    window: s.rendered.window,
    windowName: ctx.windowName,
    preset: ctx.preset,
    run: runOf(ctx, s.enhanced),
    backgroundProtected: s.enhanced?.backgroundProtected ?? false,
    outputKind: ctx.action.output,
  });
}

export function codesOf(ctx: WindowContext, enhanced: Pick<EnhancedSlice, 'applied'> | undefined): readonly CodedConcept[] {
  return derivationCodesOfRun(runOf(ctx, enhanced));
}

export function contributionOf(ctx: WindowContext, enhanced: Pick<EnhancedSlice, 'applied'> | undefined): string {
  return contributionDescriptionFor(ctx.preset, runOf(ctx, enhanced));
}

/** Every code of several frames, each once, in order of first appearance. */
export function unionOfCodes(lists: readonly (readonly CodedConcept[])[]): CodedConcept[] {
  const out: CodedConcept[] = [];
  for (const list of lists) for (const c of list) if (!out.some((o) => o.value === c.value && o.scheme === c.scheme)) out.push(c);
  return out;
}

/** What provenance needs of a slice (the pixels excluded, so series kinds can drop them). */
export type SliceInfo = Pick<AssembledSlice, 'instance' | 'enhanceMsPerSlice'> & {
  rendered: Pick<RenderedSlice, 'frameIndex' | 'window'>;
  enhanced?: Omit<EnhancedSlice, 'image'>;
};

/** The stage and model fields of a provenance row: what ran, for a job with or without a preset. */
export function presetProvenance(preset: PresetDescription | undefined, action: SeriesAction): Pick<NewDerivation, 'stage' | 'modelId' | 'modelSha256' | 'preset' | 'seed' | 'steps'> {
  return {
    stage: preset ? 'enhance' : 'render',
    modelId: preset?.modelId,
    modelSha256: preset?.modelSha256,
    preset: preset ? action.enhance : undefined,
    seed: preset?.seed,
    steps: preset?.steps,
  };
}

/** The provenance row of one source slice, without the derived object's own fields. */
export function provenanceOf(ctx: WindowContext, s: SliceInfo): Omit<NewDerivation, 'derivedSopInstanceUid' | 'derivedSopClassUid' | 'path' | 'sha256'> {
  const preset = ctx.preset;
  const run = runOf(ctx, s.enhanced);
  return {
    jobId: ctx.job.id,
    sourceSopInstanceUid: s.instance.sopInstanceUid,
    sourceSeriesUid: ctx.job.series_uid,
    sourceFrameIndex: s.rendered.frameIndex,
    derivedSeriesUid: ctx.seriesUid,
    ...presetProvenance(preset, ctx.action),
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
    ...(run
      ? {
          whatRan: {
            namedUnimie: run.unimie,
            namingReason: run.reason,
            estimator: run.applied.estimator,
            networkEvaluationsPerPatch: run.applied.networkEvaluationsPerPatch,
            startTimestep: run.applied.startTimestep,
            anchoredStart: run.applied.anchoredStart,
            patchSize: run.applied.patchSize,
            stride: run.applied.stride,
            patchesPerImage: run.applied.patchesPerImage,
            classicalSteps: [...run.applied.classical],
            ...(run.measurement ? { measurement: run.measurement } : {}),
          },
        }
      : {}),
  };
}

export function modelOf(preset: PresetDescription | undefined): { id: string; version: string; sha256: string } | undefined {
  return preset ? { id: preset.modelId, version: preset.modelVersion, sha256: preset.modelSha256 } : undefined;
}

