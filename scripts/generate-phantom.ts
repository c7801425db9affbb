/**
 * Writes a synthetic CT phantom series as Part-10 files (Explicit VR Little Endian), e.g.
 *   npx tsx scripts/generate-phantom.ts --slices 300 --size 512 --out var/phantom-ct
 * for benchmarks, demos and training data. Same options ⇒ byte-identical files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { writePart10 } from '../src/dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../src/dicom/phantom.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

interface Options {
  slices: number;
  size: number;
  rows?: number;
  columns?: number;
  spacing?: number;
  thickness: number;
  noise: number;
  padding: boolean;
  seed: number;
  out: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('generate-phantom')
    .description('Write a synthetic CT phantom series (CT Image Storage, 16-bit signed HU, correct geometry)')
    .option('--slices <n>', 'number of axial slices', positiveInt, 300)
    .option('--size <n>', 'rows and columns of a square slice', positiveInt, 512)
    .option('--rows <n>', 'rows (overrides --size)', positiveInt)
    .option('--columns <n>', 'columns (overrides --size)', positiveInt)
    .option('--spacing <mm>', 'pixel spacing in mm (default: 400 mm field of view)', positiveNumber)
    .option('--thickness <mm>', 'slice thickness and spacing in mm', positiveNumber, 1.25)
    .option('--noise <hu>', 'noise standard deviation in HU', Number, 8)
    .option('--padding', 'mark air outside the field of view with Pixel Padding Value -2000', false)
    .option('--seed <n>', 'seed for UIDs and noise', positiveInt, 1)
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .parse();
  const o = program.opts<Options>();
  const series = createPhantomSeries({
    slices: o.slices,
    rows: o.rows ?? o.size,
    columns: o.columns ?? o.size,
    pixelSpacing: o.spacing,
    sliceThickness: o.thickness,
    noise: o.noise,
    padding: o.padding,
    seed: o.seed,
  });
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < o.slices; i++) {
    const file = writePart10(phantomSliceDataset(series, i));
    await writeFile(join(out, `CT${String(i + 1).padStart(4, '0')}.dcm`), file);
    bytes += file.byteLength;
    if ((i + 1) % 50 === 0 || i + 1 === o.slices) process.stderr.write(`\r${i + 1}/${o.slices} slices`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write('\n');
  process.stdout.write(
    `${o.slices} slices, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s → ${out}\n` +
      `Study ${series.StudyInstanceUID}\nSeries ${series.SeriesInstanceUID}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`generate-phantom: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
