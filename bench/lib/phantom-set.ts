import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePart10 } from '../../src/dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';

/** A folder of phantom CT slices, one series, Explicit VR Little Endian Part-10 files. */
export interface PhantomSet {
  /** Folder holding only the .dcm files (what storescu +sd sends). */
  dir: string;
  slices: number;
  size: number;
  seed: number;
  /** Sum of the file sizes. */
  bytes: number;
  studyUid: string;
  seriesUid: string;
  /** Seconds spent generating (0 when taken from the cache). */
  generatedSeconds: number;
  cached: boolean;
}

interface Manifest {
  version: 1;
  slices: number;
  size: number;
  seed: number;
  bytes: number;
  studyUid: string;
  seriesUid: string;
}

const MANIFEST = 'phantom-set.json';

function fileName(i: number): string {
  return `CT${String(i + 1).padStart(5, '0')}.dcm`;
}

/** Whether `<root>` holds a complete set written with exactly these options. */
function readComplete(root: string, slices: number, size: number, seed: number): Manifest | undefined {
  const path = join(root, MANIFEST);
  const dir = join(root, 'dcm');
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (m.version !== 1 || m.slices !== slices || m.size !== size || m.seed !== seed) return undefined;
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm'));
  if (files.length !== slices) return undefined;
  const bytes = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  return bytes === m.bytes ? m : undefined;
}

/**
 * The phantom series `seed`/`slices`/`size` in `<root>/dcm` (manifest beside it, so the folder holds
 * nothing storescu would refuse): taken as is when a complete copy is there
 * (same options ⇒ byte-identical files, so the cache is exact), generated otherwise. The manifest
 * is written last, so an interrupted generation is redone.
 */
export async function ensurePhantomSet(
  root: string,
  o: { slices: number; size: number; seed: number },
  progress?: (done: number, total: number) => void,
): Promise<PhantomSet> {
  const dir = join(root, 'dcm');
  const cached = readComplete(root, o.slices, o.size, o.seed);
  if (cached) return { dir, ...o, bytes: cached.bytes, studyUid: cached.studyUid, seriesUid: cached.seriesUid, generatedSeconds: 0, cached: true };
  rmSync(root, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const series = createPhantomSeries({ slices: o.slices, rows: o.size, columns: o.size, seed: o.seed });
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < o.slices; i++) {
    const file = writePart10(phantomSliceDataset(series, i));
    await writeFile(join(dir, fileName(i)), file);
    bytes += file.byteLength;
    progress?.(i + 1, o.slices);
  }
  const manifest: Manifest = { version: 1, ...o, bytes, studyUid: series.StudyInstanceUID, seriesUid: series.SeriesInstanceUID };
  await writeFile(join(root, MANIFEST), JSON.stringify(manifest, null, 2));
  return {
    dir,
    ...o,
    bytes,
    studyUid: series.StudyInstanceUID,
    seriesUid: series.SeriesInstanceUID,
    generatedSeconds: (performance.now() - started) / 1000,
    cached: false,
  };
}

/** Copies the first `count` files of a set into `dir` (a smaller folder for storescu +sd). */
export function copySubset(set: PhantomSet, dir: string, count: number): number {
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(set.dir).filter((f) => f.endsWith('.dcm')).sort().slice(0, count);
  for (const f of files) copyFileSync(join(set.dir, f), join(dir, f));
  return files.length;
}
