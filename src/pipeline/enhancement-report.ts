import { readFile } from 'node:fs/promises';
import type { ReportedInstance, ReportedSeries } from '../derive/enhancement-report-sr.js';
import { stringValue } from '../derive/source-modules.js';
import { readPart10, writePart10 } from '../dicom/part10.js';
import { TransferSyntax } from '../dicom/transfer-syntax.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../dicom/uid.js';
import { derivationsOfJob, recordDerivation, whatRanOf, type DerivationRow } from '../provenance/derivations.js';
import { getDerivedSeries, registerDerivedSeries } from '../provenance/derived-series.js';
import { listBySeries } from '../provenance/instances.js';
import { derivedSeriesNumber } from './derived-text.js';
import type { DerivedInstance } from './output-assemblers.js';
import { type JobOutputContext, presetProvenance } from './window-context.js';

/** Output kind under which the report's series is registered (loop protection, retention). */
export const REPORT_OUTPUT_KIND = 'report-sr';

export interface ReportContext extends JobOutputContext {
  /** The job's derived objects, in the order written. */
  derived: readonly DerivedInstance[];
  derivedSeriesUids: readonly string[];
  processedAt: Date;
}

/** Mean of each figure over the rows that have it (rows are per source image). */
function meanQuality(rows: readonly DerivationRow[]): { images: number; quality: Record<string, number> } {
  const sums = new Map<string, { sum: number; n: number }>();
  let images = 0;
  for (const r of rows) {
    if (!r.quality_json) continue;
    const q = JSON.parse(r.quality_json) as Record<string, unknown>;
    images++;
    for (const [k, v] of Object.entries(q)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const s = sums.get(k) ?? { sum: 0, n: 0 };
      sums.set(k, { sum: s.sum + v, n: s.n + 1 });
    }
  }
  return { images, quality: Object.fromEntries([...sums].map(([k, s]) => [k, s.sum / s.n])) };
}

/** What the report says of one derived series, from the job's provenance rows of it. */
function reportedSeries(ctx: ReportContext, seriesUid: string, rows: readonly DerivationRow[], sourceDescription: string | undefined): ReportedSeries {
  const registered = getDerivedSeries(ctx.db, seriesUid);
  const first = rows[0];
  const params = first ? (JSON.parse(first.params_json) as { windowName?: string }) : {};
  const whatRan = first ? whatRanOf(first) : undefined;
  // Classical steps may differ per image (background copy only where there is background): all, in order.
  const steps: string[] = [];
  for (const r of rows) for (const s of whatRanOf(r)?.classicalSteps ?? []) if (!steps.includes(s)) steps.push(s);
  const { images, quality } = meanQuality(rows);
  const preset = ctx.preset;
  return {
    derivedSeriesUid: seriesUid,
    derivedSeriesDescription: registered?.description ?? seriesUid,
    sourceSeriesUid: ctx.job.series_uid,
    ...(sourceDescription ? { sourceSeriesDescription: sourceDescription } : {}),
    window: params.windowName ?? '',
    outputKind: ctx.action.output,
    ...(preset
      ? { model: { id: preset.modelId, version: preset.modelVersion, sha256: preset.modelSha256 }, preset: ctx.action.enhance, seed: preset.seed }
      : {}),
    ...(whatRan
      ? { estimator: whatRan.estimator, networkEvaluationsPerPatch: whatRan.networkEvaluationsPerPatch, namingReason: whatRan.namingReason }
      : {}),
    classicalSteps: steps,
    measuredImages: images,
    quality,
  };
}

/**
 * Writes the job's enhancement report (rule action `report: true`) to the spool after its derived
 * series: one Basic Text SR in the source study, in its own registered series, referencing every
 * source image used and every derived object. Its UIDs derive from the source series and the
 * derived series it reports, so a re-run with the same output replaces it in the PACS. Returns the
 * object for delivery with the derived series.
 */
export async function writeEnhancementReport(ctx: ReportContext): Promise<DerivedInstance> {
  // The rows of the derived images (a retry of the job also finds the report's own earlier rows).
  const rows = derivationsOfJob(ctx.db, ctx.job.id).filter((r) => ctx.derivedSeriesUids.includes(r.derived_series_uid));
  const sourceUids = new Set(rows.map((r) => r.source_sop_instance_uid));
  const sources = listBySeries(ctx.db, ctx.job.series_uid, 'stored').filter((i) => sourceUids.has(i.sopInstanceUid));
  if (sources.length === 0) throw new Error(`job ${ctx.job.id}: no source instance of the derived series is stored; no report`);
  const { PixelData: _pixels, ...source } = readPart10(await readFile(sources[0]!.path)).dataset;
  const sourceDescription = stringValue(source.SeriesDescription);

  const seriesUid = derivedSeriesUid({
    sourceSeriesUid: ctx.job.series_uid,
    modelSha256: ctx.preset?.modelSha256 ?? 'render',
    presetKey: ctx.derivedSeriesUids.join('\\'),
    windowName: '',
    outputKind: REPORT_OUTPUT_KIND,
  });
  const sopInstanceUid = derivedSopInstanceUid({ derivedSeriesUid: seriesUid, sourceSopInstanceUid: ctx.job.series_uid, frameIndex: 0 });
  const evidence: ReportedInstance[] = [
    ...sources.map((i) => ({ sopClassUid: i.sopClassUid, sopInstanceUid: i.sopInstanceUid, seriesInstanceUid: i.seriesUid })),
    ...ctx.derived.map((d) => ({ sopClassUid: d.sopClassUid, sopInstanceUid: d.sopInstanceUid, seriesInstanceUid: d.seriesUid })),
  ];
  const seriesNumber = derivedSeriesNumber(source, ctx.action.windows.length);
  const dataset = ctx.builder.buildReport({
    source,
    sopInstanceUid,
    seriesInstanceUid: seriesUid,
    seriesNumber,
    series: ctx.derivedSeriesUids.map((uid) => reportedSeries(ctx, uid, rows.filter((r) => r.derived_series_uid === uid), sourceDescription)),
    evidence,
    ...(ctx.preset ? { model: { id: ctx.preset.modelId, version: ctx.preset.modelVersion, sha256: ctx.preset.modelSha256 } } : {}),
    processedAt: ctx.processedAt,
  });
  // Registered before it is written, like every derived series: a PACS routing it back finds it.
  registerDerivedSeries(ctx.db, {
    seriesUid,
    sourceSeriesUid: ctx.job.series_uid,
    studyUid: ctx.job.study_uid,
    jobId: ctx.job.id,
    outputKind: REPORT_OUTPUT_KIND,
    seriesNumber,
    description: String(dataset.SeriesDescription),
    createdAt: Date.now(),
  });
  const written = await ctx.spool.writeFileDurably(ctx.spool.derivedRelPath(ctx.job.study_uid, seriesUid, sopInstanceUid), writePart10(dataset));
  // Provenance like every derived object: one row per source image it reports on (lineage, and
  // retention finds its file through them).
  for (const s of sources) {
    recordDerivation(ctx.db, {
      jobId: ctx.job.id,
      sourceSopInstanceUid: s.sopInstanceUid,
      sourceSeriesUid: ctx.job.series_uid,
      derivedSopInstanceUid: sopInstanceUid,
      derivedSeriesUid: seriesUid,
      derivedSopClassUid: String(dataset.SOPClassUID),
      path: written.path,
      sha256: written.sha256,
      ...presetProvenance(ctx.preset, ctx.action),
      params: { output: REPORT_OUTPUT_KIND, reportedSeries: [...ctx.derivedSeriesUids] },
    });
  }
  return { sopInstanceUid, sopClassUid: String(dataset.SOPClassUID), seriesUid, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, path: written.path };
}
