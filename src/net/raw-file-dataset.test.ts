import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writePart10 } from '../dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../dicom/phantom.js';
import { RawFileDataset, chainReadAhead, readSplit } from './raw-file-dataset.js';
import { SendBufferPool } from './send-buffer-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'raw-file-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function slice(i: number): { path: string; bytes: Buffer } {
  const series = createPhantomSeries({ slices: 3, rows: 16, columns: 16, seed: 5 });
  const bytes = writePart10(phantomSliceDataset(series, i));
  const path = join(dir, `${i}.dcm`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

function dataset(path: string, pool = new SendBufferPool()): RawFileDataset {
  const { datasetOffset } = readSplit(path);
  return new RawFileDataset(path, datasetOffset, pool, CT, '1.2.3', EXPLICIT_LE);
}

describe('RawFileDataset', () => {
  it('lends the file bytes after the meta group, the same bytes dcmjs-dimse would send', () => {
    const { path, bytes } = slice(0);
    const { datasetOffset, transferSyntaxUid } = readSplit(path);
    expect(transferSyntaxUid).toBe(EXPLICIT_LE);
    const ds = dataset(path);
    expect(ds.lendBytes().bytes.equals(bytes.subarray(datasetOffset))).toBe(true);
    expect(ds.getDenaturalizedDataset().equals(bytes.subarray(datasetOffset))).toBe(true);
  });

  it('reads ahead once, hands over what it read, and does not read again once lent', () => {
    const { path, bytes } = slice(1);
    const pool = new SendBufferPool();
    const reads = vi.spyOn(pool, 'readFile');
    const ds = dataset(path, pool);
    ds.readAhead();
    ds.readAhead();
    expect(reads).toHaveBeenCalledTimes(1);
    expect(ds.lendBytes().bytes.equals(bytes.subarray(readSplit(path).datasetOffset))).toBe(true);
    ds.readAhead();
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('keeps a read-ahead failure for the send, where it surfaces', () => {
    const { path } = slice(2);
    const ds = dataset(path);
    rmSync(path);
    ds.readAhead();
    expect(() => ds.lendBytes()).toThrow(/ENOENT/);
  });

  it('chains data sets in sending order', () => {
    const [a, b, c] = [0, 1, 2].map((i) => ({ dataset: dataset(slice(i).path) }));
    chainReadAhead([a!, b!, c!]);
    expect(a!.dataset.next).toBe(b!.dataset);
    expect(b!.dataset.next).toBe(c!.dataset);
    expect(c!.dataset.next).toBeUndefined();
  });
});
