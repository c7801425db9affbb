/**
 * The sample studies as evaluation images: one slice per series (the middle one), rendered the
 * way the node would render it: window and enhancement preset from the routing rules.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { readPart10, type DicomFile } from '../dicom/part10.js';
import type { EngineImage } from '../enhance/image-planes.js';
import { toEngineImage } from '../enhance/engine-image.js';
import { createSliceRenderer } from '../pipeline/stage-adapters.js';
import { firedDecisions, matchRules } from '../route/match-rules.js';
import type { EvalHeader, EvalImage } from './heldout-set.js';

export const SAMPLE_STUDIES_DIR = join(import.meta.dirname, '..', '..', 'sample-studies');

/** The enhancement preset and first window the rules pick for a header; undefined when none. */
export function routeOf(config: LoadedConfig, header: Record<string, unknown>): { preset?: string; window?: string } {
  const action = firedDecisions(matchRules(config.rules, { header: header as DicomFile['dataset'] })).find((d) => d.actions.kind === 'process')?.actions;
  if (action?.kind !== 'process') return {};
  return { preset: action.enhance !== 'none' ? action.enhance : undefined, window: action.windows[0] };
}

async function middleSlice(dir: string): Promise<DicomFile | undefined> {
  const files: DicomFile[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.dcm')).sort()) {
    try {
      files.push(readPart10(await readFile(join(dir, name))));
    } catch {
      // not DICOM: skip
    }
  }
  files.sort((a, b) => Number(a.dataset.InstanceNumber ?? 0) - Number(b.dataset.InstanceNumber ?? 0));
  return files[Math.floor(files.length / 2)];
}

/** Render the middle slice of every sample series that the rules enhance. */
export async function loadSampleSet(config: LoadedConfig, dir = SAMPLE_STUDIES_DIR): Promise<EvalImage[]> {
  const out: EvalImage[] = [];
  const renderer = createSliceRenderer(() => config);
  for (const entry of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = await middleSlice(join(dir, entry.name));
    if (!file) continue;
    const route = routeOf(config, file.dataset);
    if (!route.preset) continue;
    const [frame] = await renderer.render(file, route.window ?? 'file');
    if (!frame) continue;
    const image: EngineImage = toEngineImage(frame.image);
    const header: EvalHeader = {
      Modality: String(file.dataset.Modality ?? ''),
      PhotometricInterpretation: frame.grayscale ? 'MONOCHROME2' : 'RGB',
    };
    out.push({ name: entry.name, set: 'sample', header, window: frame.window?.name ?? route.window, image });
  }
  return out;
}
