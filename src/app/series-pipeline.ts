import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../shared/log.js';
import { CancelledError } from '../shared/errors.js';
import { readPart10, writePart10, type Dataset } from '../dicom/part10.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../dicom/uid.js';
import type { Db } from '../provenance/database.js';
import { listBySeries, type InstanceRow } from '../provenance/instances.js';
import { registerDerivedSeries } from '../provenance/derived-series.js';
import { recordDerivation } from '../provenance/derivations.js';
import type { JobRow } from '../provenance/jobs.js';
import type { Spool } from '../spool/spool.js';
import type {
  DerivedObjectBuilder,
  PresetDescription,
  RenderedSlice,
  SeriesAction,
  SliceEnhancer,
  SliceRenderer,
} from './stages.js';
import { derivationDescriptionFor, derivedSeriesNumber, describeSeries } from './derived-text.js';

/** One derived object written to the spool, ready to be delivered. */
export interface DerivedInstance {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  transferSyntaxUid: string;
  path: string;
}

export interface SeriesPipelineDeps {
  db: Db;
  spool: Spool;
  renderer: SliceRenderer;
  enhancer?: SliceEnhancer;
  builder: DerivedObjectBuilder;
  log: Logger;
  /** Slices handed to the enhancer at once (patches are batched across them). */
  slicesPerBatch?: number;
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
}

interface LoadedSlice {
  instance: InstanceRow;
  source: Dataset;
  rendered: RenderedSlice;
}

/**
 * Runs one series job: for every window the rule asks for, renders each source slice, enhances it
 * (unless the rule says `enhance: none`), builds the derived object and writes it durably to the
 * spool with its provenance row. Nothing is delivered here: the caller enqueues deliveries only
 * when the whole series succeeded, so a failed or cancelled job exports no partial series.
 */
export async function runSeriesPipeline(
  job: JobRow,
  action: SeriesAction,
  deps: SeriesPipelineDeps,
  signal: AbortSignal,
  onProgress: (p: SeriesProgress) => void = () => undefined,
): Promise<SeriesResult> {
  const instances = listBySeries(deps.db, job.series_uid, 'stored');
  const enhancing = action.enhance !== 'none';
  if (enhancing && !deps.enhancer) {
    throw new Error(`rule ${job.rule_name} asks for preset ${action.enhance} but no enhancement engine is running`);
  }
  const preset = enhancing ? deps.enhancer!.describe(action.enhance) : undefined;
  const derived: DerivedInstance[] = [];
  const derivedSeriesUids: string[] = [];
  const batchSize = Math.max(1, deps.slicesPerBatch ?? 4);
  const now = deps.now ?? (() => new Date());

  for (const [windowIndex, windowName] of action.windows.entries()) {
    const seriesUid = derivedSeriesUid({
      sourceSeriesUid: job.series_uid,
      modelSha256: preset?.modelSha256 ?? 'render',
      presetKey: presetKey(action.enhance, preset),
      windowName,
      outputKind: action.output,
    });
    derivedSeriesUids.push(seriesUid);
    let seriesRegistered = false;
    let slicesDone = 0;
    // Rendered slices before this batch: each slice's random stream is its place in the series.
    let slicesBefore = 0;

    for (let start = 0; start < instances.length; start += batchSize) {
      throwIfAborted(signal);
      const loaded = await loadAndRender(instances.slice(start, start + batchSize), windowName, deps.renderer);
      const t0 = performance.now();
      const enhanced = preset
        ? await deps.enhancer!.enhance(
            loaded.map((l) => l.rendered.image),
            action.enhance,
            {
              signal,
              firstSlice: slicesBefore,
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
      const enhanceMs = performance.now() - t0;
      slicesBefore += loaded.length;

      for (const [i, slice] of loaded.entries()) {
        const first = slice.source;
        if (!seriesRegistered) {
          // Registered before any object exists, so loop protection recognises the series even if
          // the PACS routes it back while we are still sending.
          registerDerivedSeries(deps.db, {
            seriesUid,
            sourceSeriesUid: job.series_uid,
            studyUid: job.study_uid,
            jobId: job.id,
            outputKind: action.output,
            seriesNumber: derivedSeriesNumber(first, windowIndex),
            description: describeSeries(first, windowName, preset),
            createdAt: Date.now(),
          });
          seriesRegistered = true;
        }
        const out = enhanced?.[i];
        const image = out?.image ?? slice.rendered.image;
        const sopInstanceUid = derivedSopInstanceUid({
          derivedSeriesUid: seriesUid,
          sourceSopInstanceUid: slice.instance.sopInstanceUid,
          frameIndex: slice.rendered.frameIndex,
        });
        const processedAt = now();
        const dataset = deps.builder.build({
          source: slice.source,
          image,
          seriesInstanceUid: seriesUid,
          sopInstanceUid,
          seriesNumber: derivedSeriesNumber(slice.source, windowIndex),
          seriesDescription: describeSeries(slice.source, windowName, preset),
          derivationDescription: derivationDescriptionFor({
            window: slice.rendered.window,
            windowName,
            preset,
            backgroundProtected: out?.backgroundProtected ?? false,
          }),
          sourceFrameIndex: isMultiFrame(slice.source) ? slice.rendered.frameIndex : undefined,
          processedAt,
          model: preset ? { id: preset.modelId, version: preset.modelVersion, sha256: preset.modelSha256 } : undefined,
          outputKind: action.output,
          sourceTransferSyntaxUid: slice.instance.transferSyntaxUid,
        });
        const bytes = writePart10(dataset);
        const relPath = deps.spool.derivedRelPath(job.study_uid, seriesUid, sopInstanceUid);
        const written = await deps.spool.writeFileDurably(relPath, bytes);
        recordDerivation(deps.db, {
          jobId: job.id,
          sourceSopInstanceUid: slice.instance.sopInstanceUid,
          sourceSeriesUid: job.series_uid,
          derivedSopInstanceUid: sopInstanceUid,
          derivedSeriesUid: seriesUid,
          derivedSopClassUid: String(dataset.SOPClassUID),
          path: written.path,
          sha256: written.sha256,
          stage: preset ? 'enhance' : 'render',
          modelId: preset?.modelId,
          modelSha256: preset?.modelSha256,
          preset: preset ? action.enhance : undefined,
          seed: preset?.seed,
          steps: preset?.steps,
          params: {
            window: slice.rendered.window ?? null,
            windowName,
            output: action.output,
            frameIndex: slice.rendered.frameIndex,
            preset: preset?.params ?? null,
            backgroundProtected: out?.backgroundProtected ?? false,
            ...(out?.producer ? { producer: out.producer } : {}),
          },
          timings: { enhanceMsPerSlice: enhanced ? enhanceMs / loaded.length : 0, ...(out?.timings ?? {}) },
          quality: out?.quality,
        });
        derived.push({
          sopInstanceUid,
          sopClassUid: String(dataset.SOPClassUID),
          seriesUid,
          transferSyntaxUid: '1.2.840.10008.1.2.1',
          path: written.path,
        });
      }
      slicesDone += new Set(loaded.map((l) => l.instance.id)).size;
      onProgress({ window: windowName, windowIndex, windows: action.windows.length, slicesDone, slices: instances.length });
    }
    deps.log.info(
      { jobId: job.id, stage: preset ? 'enhance' : 'render', seriesUid: job.series_uid, derivedSeriesUid: seriesUid },
      `derived series written (${instances.length} source instances, window ${windowName})`,
    );
  }
  return { derived, derivedSeriesUids, sourceInstances: instances.length };
}

async function loadAndRender(batch: InstanceRow[], windowName: string, renderer: SliceRenderer): Promise<LoadedSlice[]> {
  const out: LoadedSlice[] = [];
  for (const instance of batch) {
    const file = readPart10(await readFile(instance.path));
    for (const rendered of await renderer.render(file, windowName)) {
      out.push({ instance, source: file.dataset, rendered });
    }
  }
  return out;
}

function isMultiFrame(ds: Dataset): boolean {
  return Number(ds.NumberOfFrames ?? 1) > 1;
}

/** Preset name plus a hash of every parameter, so editing a preset yields a new derived series. */
export function presetKey(name: string, preset: PresetDescription | undefined): string {
  if (!preset) return name;
  const hash = createHash('sha256').update(JSON.stringify(preset.params)).digest('hex').slice(0, 16);
  return `${name}:${hash}`;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('job cancelled');
}
