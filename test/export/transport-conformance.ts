import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { splitPart10 } from '../../src/net/part10-envelope.js';
import type { ExportDestination } from '../../src/export/destination.js';
import { classifyError, classifyOutcome } from '../../src/export/failure-class.js';
import type { DeliveryItem, Transport } from '../../src/export/transport.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

export const TEST_FILES = pydicomData('test_files');

/** A store item for a Part-10 file, identifiers read from the file. */
export function itemFor(path: string): DeliveryItem {
  const f = readPart10(readFileSync(path), { untilPixelData: true });
  return {
    path,
    sopClassUid: String(f.dataset.SOPClassUID),
    sopInstanceUid: String(f.dataset.SOPInstanceUID),
    transferSyntaxUid: f.transferSyntaxUid,
  };
}

export interface ConformanceFixture {
  transport: Transport;
  destination: ExportDestination;
  /** A destination of the same kind that cannot be reached. */
  unreachable: ExportDestination;
  /** The bytes the destination holds for a SOP Instance UID, if any (asked over the network for a server). */
  delivered(sopInstanceUid: string): Buffer | undefined | Promise<Buffer | undefined>;
  teardown(): Promise<void>;
}

function datasetBytes(file: Buffer): Buffer {
  return file.subarray(splitPart10(file).datasetOffset);
}

/**
 * The behaviour every export Transport must show (BullMQ-style adapter conformance): one outcome
 * per item in order, objects arrive byte-identical, re-sending is harmless, a bad item fails alone
 * and permanently, an unreachable destination fails retryably.
 */
export function describeTransportConformance(name: string, setup: () => Promise<ConformanceFixture>): void {
  describe(`Transport conformance: ${name}`, () => {
    let f: ConformanceFixture;
    const ct5n = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
    const files = [join(TEST_FILES, 'CT_small.dcm'), join(TEST_FILES, 'MR_small_RLE.dcm'), join(ct5n, '2062'), join(ct5n, '2392')].filter(existsSync);

    beforeAll(async () => {
      f = await setup();
    });
    afterAll(async () => {
      await f?.teardown();
    });

    it('delivers every item with one outcome per item, in order, data set bytes unchanged', async () => {
      expect(files.length).toBeGreaterThanOrEqual(3);
      const items = files.map(itemFor);
      const outcomes = await f.transport.send(f.destination, items);
      expect(outcomes.map((o) => o.sopInstanceUid)).toEqual(items.map((i) => i.sopInstanceUid));
      expect(outcomes.map((o) => classifyOutcome(o))).toEqual(items.map(() => 'delivered'));
      for (const item of items) {
        const got = await f.delivered(item.sopInstanceUid);
        expect(got, item.path).toBeDefined();
        expect(datasetBytes(got!).equals(datasetBytes(readFileSync(item.path))), item.path).toBe(true);
      }
    });

    it('accepts the same object again without harm', async () => {
      const item = itemFor(files[0]);
      const [o] = await f.transport.send(f.destination, [item]);
      expect(classifyOutcome(o)).toBe('delivered');
      expect(await f.delivered(item.sopInstanceUid)).toBeDefined();
    });

    it('returns no outcomes for no items', async () => {
      expect(await f.transport.send(f.destination, [])).toEqual([]);
    });

    it('fails an unreadable item alone and permanently', async () => {
      const good = itemFor(files[0]);
      const bad: DeliveryItem = { ...good, path: join(TEST_FILES, 'does-not-exist.dcm'), sopInstanceUid: '1.2.3.999' };
      const outcomes = await f.transport.send(f.destination, [good, bad]);
      expect(outcomes).toHaveLength(2);
      expect(classifyOutcome(outcomes[0])).toBe('delivered');
      expect(outcomes[1].sopInstanceUid).toBe('1.2.3.999');
      expect(classifyOutcome(outcomes[1])).toBe('dead');
    });

    it('fails retryably when the destination cannot be reached', async () => {
      const items = files.slice(0, 2).map(itemFor);
      try {
        const outcomes = await f.transport.send(f.unreachable, items);
        expect(outcomes.map((o) => classifyOutcome(o))).toEqual(items.map(() => 'retry'));
      } catch (err) {
        expect(classifyError(err)).toBe('retry');
      }
    });
  });
}
