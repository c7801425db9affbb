import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../shared/log.js';
import { CancelledError, ConfigError, ConformanceError } from '../shared/errors.js';
import { readPart10, type Dataset } from '../dicom/part10.js';
import { notAnImageReason } from '../dicom/image-object.js';
import { canDecodePixels } from '../dicom/transfer-syntax.js';
import { derivedSeriesUid } from '../dicom/uid.js';
import type { Db } from '../provenance/database.js';
import { listBySeries, type InstanceRow } from '../provenance/instances.js';
import type { JobRow } from '../provenance/jobs.js';
import type { Spool } from '../spool/spool.js';
import type { PresetDescription } from '../enhance/preset-description.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { DerivedObjectBuilder, RenderedSlice, SeriesAction, SliceRenderer } from './stages.js';
import type { ContributionRecord } from '../enhance/measured-contribution.js';
import { createAssembler, type DerivedInstance } from './output-assemblers.js';
import { writeEnhancementReport } from './enhancement-report.js';
import { namePreset, type PresetNaming } from './run-naming.js';
import { SliceFailures, type FailedSlice } from './slice-failures.js';

export type { DerivedInstance } from './output-assemblers.js';

export interface SeriesPipelineDeps {
  db: Db;
  spool: Spool;
  renderer: SliceRenderer;
  enhancer?: SliceEnhancer;
  builder: DerivedObjectBuilder;
  log: Logger;
  /** Slices handed to the enhancer at once (patches are batched across them). */
  slicesPerBatch?: number;
  /**
   * The last ablation's measured network contribution per preset (read once per job); undefined
   * or absent = no measurement, so no preset is called UniMIE.
   */
  contribution?: () => ContributionRecord | undefined;
  now?: () => Date;
}

export interface SeriesProgress {
  window: string;
  windowIndex: number;
  windows: number;
  slicesDone: number;
  slices: number;
  step?: number;
  steps?: number;
}

export interface SeriesResult {
  derived: DerivedInstance[];
  derivedSeriesUids: string[];
  sourceInstances: number;
  /** Source slices that could not be processed (also on the job row and in processing_failures). */
  failedSlices: FailedSlice[];
}

interface LoadedSlice {
  instance: InstanceRow;
  source: Dataset;
  rendered: RenderedSlice;
}

/**
 * Runs one series job: for every window the rule asks for, renders each source slice, enhances it
 * (unless the rule says `enhance: none`) and hands it to the output kind's assembler, which writes
 * the derived objects durably to the spool with their provenance rows (per slice, or one object
 * per window for series kinds). A slice whose pixels do not decode, whose transfer syntax we
 * cannot decode, or an object that is no image (SR, waveform, RT Plan: no pixel data), is recorded
 * with its reason and skipped; the others still go through. A series with no image objects at all
 * ends with nothing derived and the reasons listed, not as an error.
 * With the rule's `report: true`, the job's enhancement report (Basic Text SR) follows the derived
 * series and is delivered with them. Nothing is delivered here: the caller enqueues deliveries only when the whole series succeeded,
 * so a failed or cancelled job exports no partial series.
 */
export async function runSeriesPipeline(
  job: JobRow,
  action: SeriesAction,
  deps: SeriesPipelineDeps,
  signal: AbortSignal,
  onProgress: (p: SeriesProgress) => void = () => undefined,
): Promise<SeriesResult> {
  const instances = listBySeries(deps.db, job.series_uid, 'stored');
  const failures = new SliceFailures(deps.db, job, deps.log);
  // Stored but never processed (the receiver classed their transfer syntax as undecodable): the
  // job reports them with the slices that failed here.
  for (const instance of listBySeries(deps.db, job.series_uid, 'unprocessable')) failures.notDecodable(instance);
  const unprocessable = failures.size;
  // A series of such objects only (e.g. a video): nothing to derive, reported, not an error.
  if (instances.length === 0) {
    failures.summarise();
    return { derived: [], derivedSeriesUids: [], sourceInstances: 0, failedSlices: failures.list() };
  }
  const enhancing = action.enhance !== 'none';
  if (enhancing && !deps.enhancer) {
    throw new Error(`rule ${job.rule_name} asks for preset ${action.enhance} but no enhancement engine is running`);
  }
  const assembly = deps.builder.assembly(action.output);
  const preset = enhancing ? deps.enhancer!.describe(action.enhance) : undefined;
  const naming = preset ? namePreset(deps.contribution?.(), action.enhance, { id: preset.modelId, sha256: preset.modelSha256 }) : undefined;
  const derived: DerivedInstance[] = [];
  const derivedSeriesUids: string[] = [];
  const batchSize = Math.max(1, deps.slicesPerBatch ?? 4);
  const now = deps.now ?? (() => new Date());

  for (const [windowIndex, windowName] of action.windows.entries()) {
    const seriesUid = derivedSeriesUid({
      sourceSeriesUid: job.series_uid,
      modelSha256: preset?.modelSha256 ?? 'render',
      presetKey: namedPresetKey(action.enhance, preset, naming),
      windowName,
      outputKind: action.output,
    });
    const assembler = createAssembler(assembly, {
      db: deps.db,
      spool: deps.spool,
      builder: deps.builder,
      job,
      action,
      preset,
      naming,
      windowName,
      windowIndex,
      seriesUid,
      processedAt: now(),
      derived,
    });
    let slicesDone = 0;
    // Rendered slices before this batch: each slice's random stream is its place in the series,
    // so the output does not depend on the batch size or on which executor runs it.
    let slicesBefore = 0;

    for (let start = 0; start < instances.length; start += batchSize) {
      throwIfAborted(signal);
      const batch = instances.slice(start, start + batchSize);
      const loaded = await loadAndRender(batch, windowName, deps.renderer, failures);
      const t0 = performance.now();
      const enhanced =
        preset && loaded.length > 0
          ? await deps.enhancer!.enhance(
              loaded.map((l) => l.rendered.image),
              action.enhance,
              {
                signal,
                firstSlice: slicesBefore,
                blackLevels: loaded.map((l) => l.rendered.blackLevel),
                onProgress: (p) =>
                  onProgress({
                    window: windowName,
                    windowIndex,
                    windows: action.windows.length,
                    slicesDone,
                    slices: instances.length,
                    step: p.step,
                    steps: p.steps,
                  }),
              },
            )
          : undefined;
      const enhanceMsPerSlice = enhanced ? (performance.now() - t0) / loaded.length : 0;
      slicesBefore += loaded.length;
      for (const [i, slice] of loaded.entries()) {
        await assembler.add({ ...slice, enhanced: enhanced?.[i], enhanceMsPerSlice });
      }
      slicesDone += batch.length;
      onProgress({ window: windowName, windowIndex, windows: action.windows.length, slicesDone, slices: instances.length });
    }
    if (failures.size - unprocessable === instances.length) break;
    throwIfAborted(signal);
    await assembler.finish();
    derivedSeriesUids.push(seriesUid);
    deps.log.info(
      { jobId: job.id, stage: preset ? 'enhance' : 'render', seriesUid: job.series_uid, derivedSeriesUid: seriesUid },
      `derived series written (${instances.length - (failures.size - unprocessable)} of ${instances.length} source instances, window ${windowName})`,
    );
  }
  failures.summarise();
  const total = instances.length + unprocessable;
  if (failures.size === total && failures.notForProcessing === total) {
    // No image objects (SR, waveforms, RT Plan, video…): nothing to enhance, reported, not an error.
    deps.log.info({ jobId: job.id, stage: 'job', seriesUid: job.series_uid }, `no image objects: none of the ${total} source instances is for processing; nothing to enhance`);
    return { derived: [], derivedSeriesUids: [], sourceInstances: instances.length, failedSlices: failures.list() };
  }
  if (failures.size === total) {
    const images = total - failures.notForProcessing;
    const reasons = failures.failureReasons().slice(0, 3).join('; ');
    throw new ConformanceError('PACS_E_SERIES_NOT_PROCESSABLE', `none of the ${images} image objects of the ${total} source instances could be processed: ${reasons}`);
  }
  if (failures.size > 0) {
    deps.log.warn(
      { jobId: job.id, stage: 'job', seriesUid: job.series_uid, failedSlices: failures.list().map((f) => f.sopInstanceUid) },
      `${failures.size} of ${total} source instances not processed; the others were derived`,
    );
  }
  if (action.report && derivedSeriesUids.length > 0) {
    throwIfAborted(signal);
    const report = await writeEnhancementReport({ db: deps.db, spool: deps.spool, builder: deps.builder, job, action, preset, derived, derivedSeriesUids, processedAt: now() });
    derived.push(report);
    deps.log.info({ jobId: job.id, stage: 'derive', seriesUid: job.series_uid, derivedSeriesUid: report.seriesUid }, 'enhancement report written');
  }
  return { derived, derivedSeriesUids, sourceInstances: instances.length, failedSlices: failures.list() };
}

/**
 * Reads and renders a batch. An instance in a transfer syntax we cannot decode is skipped without
 * trying; one whose pixels fail to decode or render is recorded with the codec's error and skipped.
 * A configuration error (unknown window) or a cancellation is the job's, not the slice's.
 */
async function loadAndRender(batch: InstanceRow[], windowName: string, renderer: SliceRenderer, failures: SliceFailures): Promise<LoadedSlice[]> {
  const out: LoadedSlice[] = [];
  for (const instance of batch) {
    if (failures.has(instance)) continue;
    if (!canDecodePixels(instance.transferSyntaxUid)) {
      failures.notDecodable(instance);
      continue;
    }
    const bytes = await readFile(instance.path);
    try {
      const file = readPart10(bytes);
      const notAnImage = notAnImageReason(file.dataset);
      if (notAnImage) {
        failures.notAnImage(instance, notAnImage);
        continue;
      }
      for (const rendered of await renderer.render(file, windowName)) {
        out.push({ instance, source: file.dataset, rendered });
      }
    } catch (err) {
      if (err instanceof ConfigError || err instanceof CancelledError) throw err;
      failures.renderFailed(instance, err);
      // A multi-frame instance is one slice set: drop whatever frames it already gave.
      for (let i = out.length - 1; i >= 0 && out[i]!.instance === instance; i--) out.pop();
    }
  }
  return out;
}

/** Preset name plus a hash of every parameter, so editing a preset yields a new derived series. */
export function presetKey(name: string, preset: PresetDescription | undefined): string {
  if (!preset) return name;
  const hash = createHash('sha256').update(JSON.stringify(preset.params)).digest('hex').slice(0, 16);
  return `${name}:${hash}`;
}

/**
 * presetKey plus the name the series gets (UniMIE or not): Series Description is a series-level
 * attribute (PS3.3 C.7.3.1), so a series whose name changes after a new measurement is a new
 * series, never the old UID with another description.
 */
export function namedPresetKey(name: string, preset: PresetDescription | undefined, naming: PresetNaming | undefined): string {
  const key = presetKey(name, preset);
  return preset && naming ? `${key}:${naming.unimie ? 'unimie' : 'classical'}` : key;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('job cancelled');
}
