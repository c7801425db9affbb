import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import sharp from 'sharp';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { openDatabase } from '../provenance/database.js';
import { readPart10, writePart10, type DicomFile, type Dataset } from '../dicom/part10.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../dicom/uid.js';
import { firedDecisions, matchRules } from '../route/match-rules.js';
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';
import { enginePresets } from '../enhance/local-enhancer.js';
import { createEngineEnhancer } from '../pipeline/engine-enhancer.js';
import { createDerivedObjectBuilder, createSliceRenderer } from '../pipeline/stage-adapters.js';
import { outputKindNames } from '../config/rules-schema.js';
import { ConfigError } from '../shared/errors.js';
import { contributionDescriptionFor, derivationCodesOfRun, derivationDescriptionFor, derivedSeriesNumber, describeSeries } from '../pipeline/derived-text.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { DerivedObjectFields } from '../pipeline/stages.js';
import { namedPresetKey } from '../pipeline/series-pipeline.js';
import { ContributionSource, SHIPPED_CONTRIBUTION_RECORD } from '../pipeline/contribution-source.js';
import { namePreset, nameRun, type PresetNaming } from '../pipeline/run-naming.js';
import { unionOfCodes } from '../pipeline/window-context.js';
import { EnhancementEngine } from '../enhance/engine.js';
import { ModelRegistry } from '../enhance/model-registry.js';
import { createLogger, type Logger } from '../shared/log.js';
import { collectFiles } from '../route/dry-run.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

interface EnhanceOpts {
  out: string;
  preset?: string;
  window?: string;
  output?: string;
  png?: boolean;
  networkFree?: boolean;
}

/**
 * `enhance`: offline use without a PACS. DICOM in → a derived series (Part-10 files, the same
 * objects the node would send, named as the node names them from the contribution record) or
 * PNGs; PNG/JPEG in → PNG. The preset and window come from the routing rules unless given.
 * `--network-free` runs the preset's network-free twin (the ablation's: no model call), so anyone
 * can see on their own images what the network adds; its output says so.
 */
export function registerEnhanceCommand(program: Command): void {
  program
    .command('enhance')
    .description('enhance DICOM files/series or PNG/JPEG images offline')
    .argument('<paths...>', 'DICOM files or folders, PNG or JPEG images')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-p, --preset <name>', 'enhancement preset (default: the one the rules pick)')
    .option('-w, --window <name>', 'window preset for DICOM (default: the one the rules pick)')
    .option('--output <kind>', `derived object kind for DICOM input: ${outputKindNames().join(', ')} (default: the rule's, else sc-rgb; mf-sc-rgb makes one object per input file)`)
    .option('--png', 'write PNGs instead of DICOM for DICOM input')
    .option('--network-free', "run the preset's network-free twin: the network replaced by the engine's own start estimate (no model call)")
    .action(async (paths: string[], opts: EnhanceOpts) => {
      if (opts.output !== undefined && !outputKindNames().includes(opts.output)) {
        throw new ConfigError(`--output ${opts.output}: not an output kind (${outputKindNames().join(', ')})`);
      }
      const config = loadConfig(program.opts<{ config: string }>().config);
      const log = createLogger({ level: 'warn' });
      const db = openDatabase(join(config.node.dataDir, 'provenance.sqlite'));
      const enhancer = opts.networkFree ? await networkFreeEnhancer(config, log) : await createEngineEnhancer(config, db, log);
      db.close();
      if (!enhancer) throw new Error('no enhancement preset is configured');
      await mkdir(opts.out, { recursive: true });
      const files = await collectFiles(paths);
      const bar = new cliProgress.SingleBar({ format: '{bar} {percentage}% | {file} | step {value}/{total} | ETA {eta_formatted}' }, cliProgress.Presets.shades_classic);
      const summary: string[] = [];
      for (const file of files) {
        const isImage = IMAGE_EXTENSIONS.has(extname(file).toLowerCase());
        const written = isImage
          ? await enhanceImageFile(file, opts, enhancer, bar)
          : await enhanceDicomFile(file, opts, config, enhancer, bar);
        summary.push(...written);
      }
      bar.stop();
      await enhancer.close?.();
      for (const line of summary) process.stdout.write(`${line}\n`);
    });
}

/**
 * The engine adapted like createEngineEnhancer, but every run is the preset's network-free twin
 * (EnhanceOptions.networkFree): what `eval --ablate` compares each preset with.
 */
async function networkFreeEnhancer(config: LoadedConfig, log: Logger): Promise<SliceEnhancer | undefined> {
  const presets = config.presets;
  if (Object.keys(presets).length === 0) return undefined;
  const ids = new Set(Object.values(presets).map((p) => p.model));
  const manifestPaths = Object.fromEntries([...ids].filter((id) => config.models[id]).map((id) => [id, config.models[id]!.manifest]));
  const registry = await ModelRegistry.open(ids, { modelsDir: 'model', manifestPaths, logger: log });
  const engine = new EnhancementEngine(registry, log);
  return {
    models: () => registry.loaded().map((m) => ({ id: m.id, sha256: m.sha256, version: m.version, device: m.device, loaded: true })),
    ...enginePresets(engine, registry, presets, { networkFree: true }),
    close: () => registry.close(),
  };
}

/** What the preset is called, from the contribution record the node reads (none: never UniMIE). */
function presetNaming(config: LoadedConfig, preset: string, model: { id: string; sha256: string }): PresetNaming {
  const record = new ContributionSource(() => config.node.contributionRecord ?? SHIPPED_CONTRIBUTION_RECORD).record();
  return namePreset(record, preset, model);
}

/** How an output line and file name say that the network did not run. */
const twinNote = (opts: EnhanceOpts) => (opts.networkFree ? ', network-free twin: no model call' : '');
const twinStem = (opts: EnhanceOpts) => (opts.networkFree ? '.network-free' : '');

type Bar = cliProgress.SingleBar;

function progressTo(bar: Bar, file: string) {
  let started = false;
  return (p: { step: number; steps: number }) => {
    if (!started) {
      bar.start(p.steps, 0, { file: basename(file) });
      started = true;
    }
    bar.update(p.step, { file: basename(file) });
  };
}

async function enhanceImageFile(file: string, opts: EnhanceOpts, enhancer: SliceEnhancer, bar: Bar): Promise<string[]> {
  const preset = opts.preset ?? 'endoscopy-default';
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const image = createRgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  const [out] = await enhancer.enhance([image], preset, { signal: new AbortController().signal, onProgress: progressTo(bar, file) });
  const target = join(opts.out, `${basename(file, extname(file))}${twinStem(opts)}.enhanced.png`);
  await writePng(out!.image, target);
  return [`${file} → ${target} (preset ${preset}${twinNote(opts)})`];
}

async function enhanceDicomFile(
  file: string,
  opts: EnhanceOpts,
  config: LoadedConfig,
  enhancer: SliceEnhancer,
  bar: Bar,
): Promise<string[]> {
  let dicom: DicomFile;
  try {
    dicom = readPart10(await readFile(file));
  } catch {
    return [`${file}: skipped (not DICOM)`];
  }
  const action = firedDecisions(matchRules(config.rules, { header: dicom.dataset })).find((d) => d.actions.kind === 'process')?.actions;
  const preset = opts.preset ?? (action?.kind === 'process' && action.enhance !== 'none' ? action.enhance : undefined);
  const windowName = opts.window ?? (action?.kind === 'process' ? action.windows[0] : undefined) ?? 'file';
  const outputKind = opts.output ?? (action?.kind === 'process' ? action.output : undefined) ?? 'sc-rgb';
  if (!preset) return [`${file}: no rule enhances this object and no --preset given`];
  const described = enhancer.describe(preset);
  const naming = presetNaming(config, preset, { id: described.modelId, sha256: described.modelSha256 });
  const frames = await createSliceRenderer(() => config).render(dicom, windowName);
  const results = await enhancer.enhance(frames.map((f) => f.image), preset, { signal: new AbortController().signal, onProgress: progressTo(bar, file) });
  const runs = results.map((r) => nameRun(naming, r.applied));
  const lines: string[] = [];
  const seriesUid = derivedSeriesUid({
    sourceSeriesUid: String(dicom.dataset.SeriesInstanceUID),
    modelSha256: described.modelSha256,
    // The twin's output is another series than the preset's, never the same UID.
    presetKey: `${namedPresetKey(preset, described, naming)}${opts.networkFree ? ':network-free' : ''}`,
    windowName,
    outputKind,
  });
  const builder = createDerivedObjectBuilder(config.node.aeTitle);
  const model = { id: described.modelId, version: described.modelVersion, sha256: described.modelSha256 };
  const descriptionOf = (i: number) =>
    derivationDescriptionFor({ window: frames[i]!.window, windowName, preset: described, run: runs[i], backgroundProtected: results[i]!.backgroundProtected, outputKind });
  const seriesDescription = describeSeries(dicom.dataset, windowName, described, runs[0]);
  const contributionDescription = contributionDescriptionFor(described, runs[0]);
  // Multi-frame outputs: one object holding every frame.
  const wholeObject: DerivedObjectFields = {
    seriesInstanceUid: seriesUid,
    sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: seriesUid, sourceSopInstanceUid: String(dicom.dataset.SOPInstanceUID), frameIndex: 0 }),
    seriesNumber: derivedSeriesNumber(dicom.dataset, 0),
    seriesDescription,
    derivationDescription: descriptionOf(0),
    derivationCodes: unionOfCodes(runs.map((r) => derivationCodesOfRun(r))),
    processedAt: new Date(),
    model,
    contributionDescription,
    outputKind,
  };
  const writeWhole = async (ds: Dataset): Promise<string[]> => {
    const target = join(opts.out, `${basename(file, extname(file))}${twinStem(opts)}.enhanced.dcm`);
    await writeFile(target, writePart10(ds));
    return [`${file} → ${target} (preset ${preset}${twinNote(opts)}, window ${windowName}, ${outputKind}, ${frames.length} frames)`];
  };
  if (!opts.png && builder.assembly(outputKind) === 'series') {
    return writeWhole(
      builder.buildSeries({
        ...wholeObject,
        frames: frames.map((frame, i) => ({
          source: dicom.dataset,
          frameIndex: frame.frameIndex,
          image: results[i]!.image,
          sourceTransferSyntaxUid: dicom.transferSyntaxUid,
          derivationDescription: descriptionOf(i),
        })),
      }),
    );
  }
  if (!opts.png && builder.wholeObject(outputKind, dicom.dataset)) {
    // derived-grayscale of an Enhanced CT/MR source: one object of the source's IOD with every frame.
    return writeWhole(
      builder.buildFrames({
        ...wholeObject,
        source: dicom.dataset,
        frames: frames.map((frame, i) => ({ frameIndex: frame.frameIndex, image: results[i]!.image, window: frame.window, derivationDescription: descriptionOf(i) })),
        sourceTransferSyntaxUid: dicom.transferSyntaxUid,
      }),
    );
  }
  for (const [i, frame] of frames.entries()) {
    const out = results[i]!;
    const stem = `${basename(file, extname(file))}${frames.length > 1 ? `.f${frame.frameIndex + 1}` : ''}${twinStem(opts)}`;
    if (opts.png) {
      const target = join(opts.out, `${stem}.enhanced.png`);
      await writePng(out.image, target);
      lines.push(`${file} → ${target}${opts.networkFree ? ' (network-free twin: no model call)' : ''}`);
      continue;
    }
    const sopInstanceUid = derivedSopInstanceUid({ derivedSeriesUid: seriesUid, sourceSopInstanceUid: String(dicom.dataset.SOPInstanceUID), frameIndex: frame.frameIndex });
    const ds = builder.build({
      source: dicom.dataset,
      image: out.image,
      seriesInstanceUid: seriesUid,
      sopInstanceUid,
      seriesNumber: derivedSeriesNumber(dicom.dataset, 0),
      seriesDescription,
      derivationDescription: descriptionOf(i),
      derivationCodes: derivationCodesOfRun(runs[i]),
      contributionDescription,
      sourceFrameIndex: frames.length > 1 ? frame.frameIndex : undefined,
      processedAt: new Date(),
      model,
      outputKind,
      window: frame.window,
      sourceTransferSyntaxUid: dicom.transferSyntaxUid,
    });
    const target = join(opts.out, `${stem}.enhanced.dcm`);
    await writeFile(target, writePart10(ds));
    lines.push(`${file} → ${target} (preset ${preset}${twinNote(opts)}, window ${windowName}, ${outputKind})`);
  }
  return lines;
}

async function writePng(image: RgbImage, path: string): Promise<void> {
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toFile(path);
}
