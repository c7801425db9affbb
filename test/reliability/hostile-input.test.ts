import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { NATIVE_TRANSFER_SYNTAXES, TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { ScpTransport } from '../../src/net/types.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { countQuarantine, getQuarantine, listQuarantine } from '../../src/provenance/quarantine.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { inspectInstance } from '../../src/receive/instance-inspection.js';
import type { IngestResult } from '../../src/receive/receive-types.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { LONG, recordFigures } from './figures.js';
import { datasetOffset, elementHeaders, mutate, OPERATORS } from './mutants.js';
import { associateRq, cStoreCommand, lastDimseStatus, pdvs, rawClient, releaseRq, waitForBytes } from './raw-pdu.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const DATA = pydicomData();
const MAX_INSTANCE = 8 * 1024 * 1024;
const MUTANTS = LONG ? 10_000 : 1200;
const OVER_THE_WIRE = LONG ? 1000 : 200;
/** A parse slower than this would stall every association on the event loop. */
const MAX_MS_PER_OBJECT = 5000;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Seeds: explicit and implicit VR, RT with deep sequences, nested private sequences, RGB, encapsulated. */
const SEED_FILES: Array<[string, boolean]> = [
  ['CT_small.dcm', true],
  ['MR_small_implicit.dcm', false],
  ['rtplan.dcm', false],
  ['nested_priv_SQ.dcm', false],
  ['SC_rgb_small_odd.dcm', true],
  ['MR_small.dcm', true],
  ['JPEG2000.dcm', true],
];
const seeds = SEED_FILES.map(([name, explicit]) => ({ name, bytes: readFileSync(join(DATA, 'test_files', name)), explicit }));

const SUCCESS_OUTCOMES = new Set(['stored', 'unprocessable', 'duplicate', 'own_output']);

describe('hostile input: pydicom test files and seeded mutants', () => {
  // tmpfs where there is one: this suite exercises parsing, not fsync.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'hostile-'));
  let db: Db;
  let spool: Spool;
  let receiver: InstanceReceiver;
  const figures = { filesTried: 0, mutantsTried: 0, overTheWire: 0, crashes: 0, hangs: 0, quarantined: 0, accepted: 0, slowestMs: 0, peakRssMb: 0 };

  beforeAll(async () => {
    db = openDatabase(join(dir, 'node.sqlite'));
    spool = new Spool(join(dir, 'spool'));
    await spool.init();
    receiver = new InstanceReceiver({ db, spool, log: silentLogger, decodableTransferSyntaxes: NATIVE_TRANSFER_SYNTAXES, maxInstanceBytes: MAX_INSTANCE });
  });
  afterAll(() => {
    recordFigures('hostileInput', figures);
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ingests one object and checks the contract: a success it can parse back, or a quarantine row with the reason. */
  async function ingestChecked(name: string, bytes: Buffer): Promise<IngestResult> {
    const t = Date.now();
    const r = await receiver.ingest({ bytes, callingAe: 'FUZZ', calledAe: 'UNIMIE' });
    const ms = Date.now() - t;
    figures.slowestMs = Math.max(figures.slowestMs, ms);
    figures.peakRssMb = Math.max(figures.peakRssMb, Math.round(process.memoryUsage().rss / 2 ** 20));
    expect(ms, `${name} took ${ms} ms`).toBeLessThan(MAX_MS_PER_OBJECT);
    if (SUCCESS_OUTCOMES.has(r.outcome)) {
      expect(r.status, name).toBe(0);
      // Native pixel data is parsed whole on receipt; compressed objects only up to Pixel Data
      // (their fragments are the decoder's business, and a failure there fails the job, not the receive).
      const stored = readFileSync(r.path!);
      const native = NATIVE_TRANSFER_SYNTAXES.includes(readPart10(stored, { untilPixelData: true }).transferSyntaxUid);
      expect(() => readPart10(stored, { untilPixelData: !native }), name).not.toThrow();
      figures.accepted++;
    } else {
      // An internal failure ('refused' with 0x0110) would mean the receive path itself broke.
      expect(r.outcome, `${name}: ${r.reasonCode}`).toBe('quarantined');
      expect(r.status, name).not.toBe(0);
      const row = getQuarantine(db, r.quarantineId!);
      expect(row?.reasonCode, name).toMatch(/^PACS_E_/);
      expect(row?.reason.length, name).toBeGreaterThan(0);
      expect(row?.dimseStatus, name).toBe(r.status);
      figures.quarantined++;
    }
    return r;
  }

  it('takes every file of pydicom\'s test set without crashing: parseable when accepted, quarantined with a reason otherwise', async () => {
    const files = [...walk(join(DATA, 'test_files')), ...walk(join(DATA, 'charset_files'))];
    expect(files.length).toBeGreaterThan(80);
    const outcomes: Record<string, number> = {};
    for (const f of files) {
      const r = await ingestChecked(f, readFileSync(f));
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      figures.filesTried++;
    }
    // The set holds both kinds: known-bad files (no meta, truncated, bad VR) and valid ones.
    expect(outcomes.quarantined).toBeGreaterThan(5);
    expect(outcomes.stored).toBeGreaterThan(10);
  });

  it(`takes ${MUTANTS} seeded mutants (${OPERATORS.join(', ')}) with zero crashes and zero hangs`, async () => {
    const mutants = mutate(seeds, MUTANTS, 0xd1c0);
    const rssBefore = process.memoryUsage().rss;
    for (const m of mutants) {
      await ingestChecked(m.name, m.bytes);
      figures.mutantsTried++;
    }
    // Memory bounded: no allocation followed a declared length.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 2 ** 20);
    expect(listQuarantine(db, { limit: 5 }).length).toBeGreaterThan(0);
  }, LONG ? 1_200_000 : 240_000);

  it('does not allocate from a declared length of 4 GB', () => {
    let refused = 0;
    let tried = 0;
    for (const seed of seeds) {
      const b = Buffer.from(seed.bytes);
      for (const h of elementHeaders(b, seed.explicit).filter((e) => e.lengthSize === 4)) {
        const m = Buffer.from(b);
        m.writeUInt32LE(0xfffffff0, h.lengthAt);
        const before = process.memoryUsage().arrayBuffers;
        const r = inspectInstance(m);
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
        tried++;
        if (!r.ok) refused++;
      }
    }
    // Compressed objects are read only up to Pixel Data, so a length past it goes unseen there.
    expect(refused).toBeGreaterThan(tried * 0.8);
  });

  describe('over the wire (dcmjs-dimse listener, raw C-STORE PDUs; DCMTK storescu for some)', () => {
    let scp: ScpTransport;
    beforeAll(async () => {
      scp = createDcmjsScp(
        { name: 'main', aeTitle: 'UNIMIE', host: '127.0.0.1', port: 0, maxPduLength: 65536, acceptedTransferSyntaxes: [...NATIVE_TRANSFER_SYNTAXES] },
        {
          policy: new AllowListPolicy({ listeners: [{ listener: 'main', aeTitle: 'UNIMIE', allow: [{ aeTitle: '*' }] }] }),
          handler: receiver,
          log: silentLogger,
          idleTimeoutMs: 5000,
          maxDatasetBytes: MAX_INSTANCE,
        },
      );
      await scp.start();
    });
    afterAll(async () => scp?.stop());

    it(`answers ${OVER_THE_WIRE} mutated data sets with a status each; every failure status has its quarantine row`, async () => {
      const mutants = mutate(seeds, OVER_THE_WIRE, 0xbeef);
      let messageId = 0;
      const byTs = new Map<boolean, typeof mutants>();
      mutants.forEach((m, i) => {
        const explicit = seeds[i % seeds.length]!.explicit;
        byTs.set(explicit, [...(byTs.get(explicit) ?? []), m]);
      });
      for (const [explicit, list] of byTs) {
        const ts = explicit ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
        let c = await rawClient(scp.port());
        const associate = async (): Promise<void> => {
          c.socket.write(associateRq({ calling: 'FUZZ', called: 'UNIMIE', abstracts: ['1.2.840.10008.5.1.4.1.1.7'], transferSyntax: ts, maxPdu: 65536 }));
          expect((await waitForBytes(c, 6))[0]).toBe(0x02);
        };
        await associate();
        for (const m of list) {
          const sop = `2.25.${1000 + ++messageId}`;
          const dataset = m.bytes.subarray(Math.min(datasetOffset(m.bytes), m.bytes.length));
          const quarantinedBefore = countQuarantine(db);
          const seen = c.received().length;
          for (const p of [...pdvs(1, cStoreCommand(messageId, '1.2.840.10008.5.1.4.1.1.7', sop), true, 65536), ...pdvs(1, dataset, false, 65536)]) c.socket.write(p);
          const deadline = Date.now() + MAX_MS_PER_OBJECT;
          let status: number | undefined;
          while (status === undefined && !c.socket.destroyed && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 2));
            if (c.received().length > seen) status = lastDimseStatus(c.received().subarray(seen));
          }
          expect(status, `${m.name}: no C-STORE-RSP`).toBeDefined();
          if (status !== 0) expect(countQuarantine(db), m.name).toBe(quarantinedBefore + 1);
          figures.overTheWire++;
          if (c.socket.destroyed) {
            c = await rawClient(scp.port());
            await associate();
          }
        }
        c.socket.write(releaseRq());
        c.socket.destroy();
      }
      expect((await echoscu({ port: scp.port(), callingAeTitle: 'GOOD', calledAeTitle: 'UNIMIE' })).rc).toBe(0);
    }, LONG ? 1_200_000 : 120_000);

    it('DCMTK storescu sends odd pydicom files and mutants; the listener stays up and records each', async () => {
      const files = mutate(seeds, 24, 7).map((m, i) => {
        const p = join(dir, `mutant-${i}.dcm`);
        writeFileSync(p, m.bytes);
        return p;
      });
      const odd = ['ExplVR_BigEnd.dcm', 'UN_sequence.dcm', 'badVR.dcm', 'nested_priv_SQ.dcm', 'reportsi_with_empty_number_tags.dcm', 'empty_charset_LEI.dcm', 'SC_rgb_small_odd.dcm', 'MR_small_padded.dcm'];
      const before = db.prepare('SELECT (SELECT COUNT(*) FROM instances) + (SELECT COUNT(*) FROM quarantine) AS n').get() as { n: number };
      const r = await storescu({ port: scp.port(), callingAeTitle: 'DCMTK', calledAeTitle: 'UNIMIE' }, [...odd.map((f) => join(DATA, 'test_files', f)), ...files], ['-nh', '-v']);
      const sent = (r.output.match(/Received Store Response/g) ?? []).length;
      expect(sent).toBeGreaterThan(8);
      const after = db.prepare('SELECT (SELECT COUNT(*) FROM instances) + (SELECT COUNT(*) FROM quarantine) AS n').get() as { n: number };
      // Identical re-sends add no row; every other response has one.
      expect(after.n - before.n).toBeGreaterThan(0);
      expect(after.n - before.n).toBeLessThanOrEqual(sent);
      expect((await echoscu({ port: scp.port(), callingAeTitle: 'GOOD', calledAeTitle: 'UNIMIE' })).rc).toBe(0);
    }, 60_000);
  });
});
