/**
 * Writes the synthetic sample studies that show what the enhancement does (Explicit VR Little
 * Endian Part-10 files):
 *   ct-lowdose-abdomen/   8 × 512² low-dose CT (projection-domain noise ≈ 40 HU σ in the liver)
 *   mr-brain-t2/         10 × 256² T2 FSE brain MR (bias field, Rician noise, WM SNR 10)
 *   es-colon/            1 × 640×480 underexposed colonoscopy frame (shot + read noise)
 *   npx tsx scripts/generate-sample-studies.ts [--out sample-studies] [--only ct,mr,es]
 * Same options ⇒ byte-identical files.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { writePart10, type Dataset } from '../src/dicom/part10.js';
import { createLowDoseCtSeries, lowDoseCtDataset } from '../src/dicom/sample-ct.js';
import { createEndoscopySample, endoscopyDataset, endoscopyFrame } from '../src/dicom/sample-endoscopy.js';
import { createMrSampleSeries, mrSampleDataset } from '../src/dicom/sample-mr.js';

const KINDS = ['ct', 'mr', 'es'] as const;
type Kind = (typeof KINDS)[number];

/** Folder of each kind under --out. */
const SAMPLE_FOLDERS: Record<Kind, string> = { ct: 'ct-lowdose-abdomen', mr: 'mr-brain-t2', es: 'es-colon' };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function kinds(value: string): Kind[] {
  const list = value.split(',').map((s) => s.trim());
  for (const k of list) if (!(KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`unknown kind ${k} (ct, mr, es)`);
  return list as Kind[];
}

interface Options {
  out: string;
  only: Kind[];
  seed: number;
  ctSlices: number;
  mrSlices: number;
  noise: number;
}

async function writeSeries(dir: string, prefix: string, count: number, dataset: (i: number) => Dataset): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const file = writePart10(dataset(i));
    await writeFile(join(dir, `${prefix}${String(i + 1).padStart(4, '0')}.dcm`), file);
    bytes += file.byteLength;
    process.stderr.write(`\r${prefix} ${i + 1}/${count}`);
  }
  process.stderr.write('\n');
  return bytes;
}

async function main(): Promise<void> {
  const o = new Command()
    .name('generate-sample-studies')
    .description('Write the synthetic low-dose CT, T2 MR and endoscopy sample studies')
    .option('--out <dir>', 'output folder', 'sample-studies')
    .option('--only <kinds>', 'comma-separated subset of ct,mr,es', kinds, [...KINDS])
    .option('--seed <n>', 'seed for UIDs, texture and noise', positiveInt, 1)
    .option('--ct-slices <n>', 'CT slices', positiveInt, 8)
    .option('--mr-slices <n>', 'MR slices', positiveInt, 10)
    .option('--noise <hu>', 'CT noise σ in the liver, HU', Number, 40)
    .parse()
    .opts<Options>();
  const out = resolve(o.out);
  const started = performance.now();
  for (const kind of o.only) {
    const dir = join(out, SAMPLE_FOLDERS[kind]);
    let bytes: number;
    if (kind === 'ct') {
      const series = createLowDoseCtSeries({ slices: o.ctSlices, noiseSdHu: o.noise, seed: o.seed });
      process.stderr.write(`CT: ${series.photons.toFixed(0)} photons per ray for ${o.noise} HU σ in the liver\n`);
      bytes = await writeSeries(dir, 'CT', o.ctSlices, (i) => lowDoseCtDataset(series, i));
    } else if (kind === 'mr') {
      const series = createMrSampleSeries({ slices: o.mrSlices, seed: o.seed });
      bytes = await writeSeries(dir, 'MR', o.mrSlices, (i) => mrSampleDataset(series, i));
    } else {
      const sample = createEndoscopySample(o.seed);
      bytes = await writeSeries(dir, 'ES', 1, () => endoscopyDataset(sample, endoscopyFrame({ seed: o.seed })));
    }
    process.stdout.write(`${SAMPLE_FOLDERS[kind]}: ${(bytes / 2 ** 20).toFixed(2)} MiB\n`);
  }
  process.stdout.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s → ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate-sample-studies: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
