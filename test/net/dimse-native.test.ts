import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../src/dicom/part10.js';
import { ConfigError, TransientTransportError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { createScp, createScu } from '../../src/net/create-transport.js';
import { isDimseNativeAvailable } from '../../src/net/dimse-native-module.js';
import type { ListenerOptions, ScpTransport, StoreItem, StoreRequest } from '../../src/net/types.js';
import { echoscu, startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { reportMissingAddon } from '../helpers/optional-addon.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

const FILES = pydicomData('test_files');
const CT = join(FILES, 'CT_small.dcm');
const MR = join(FILES, 'MR_small.dcm');
const available = await isDimseNativeAvailable();

function item(path: string): StoreItem {
  const f = readPart10(readFileSync(path), { untilPixelData: true });
  return { path, sopClassUid: String(f.dataset.SOPClassUID), sopInstanceUid: String(f.dataset.SOPInstanceUID), transferSyntaxUid: f.transferSyntaxUid };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe('dicom-dimse-native adapters', () => {
  it('the optional dependency dicom-dimse-native is installed (required in CI)', () => {
    if (!available) reportMissingAddon('dicom-dimse-native', 'its adapter tests');
  });

  if (!available) return;

  describe('SCP (store-only DCMTK listener, files adopted from the inbox)', () => {
    const work = mkdtempSync(join(tmpdir(), 'native-scp-'));
    const inbox = join(work, 'inbox');
    const stores: StoreRequest[] = [];
    let failing = false;
    let scp: ScpTransport;
    const listener: ListenerOptions = { name: 'native', aeTitle: 'NATIVE', host: '127.0.0.1', port: 0, acceptedTransferSyntaxes: [] };
    const leftover = item(MR);

    beforeAll(async () => {
      // A file left by an earlier run (crash after DCMTK wrote it, before adoption).
      mkdirSync(join(inbox, '1.2.3'), { recursive: true });
      copyFileSync(MR, join(inbox, '1.2.3', `${leftover.sopInstanceUid}.dcm`));
      scp = createScp('dicom-dimse-native', listener, {
        policy: { evaluate: () => ({ accept: true }) },
        log: silentLogger,
        nativeInboxDir: inbox,
        nativeAllowAnyCaller: true,
        nativeSweepMs: 200,
        nativeSettleMs: 300,
        handler: {
          async onStore(req) {
            if (failing) throw new Error('spool unavailable');
            stores.push(req);
            return 0;
          },
        },
      });
      await scp.start();
    });

    afterAll(async () => {
      await scp?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('refuses to start for a listener that denies callers (it could not enforce it)', async () => {
      const strict = createScp('dicom-dimse-native', { ...listener, name: 'strict' }, {
        policy: { evaluate: () => ({ accept: true }) },
        log: silentLogger,
        nativeInboxDir: join(work, 'other'),
        handler: { onStore: async () => 0 },
      });
      await expect(strict.start()).rejects.toBeInstanceOf(ConfigError);
    });

    it('adopted the leftover file at start-up', () => {
      expect(stores.map((s) => s.sopInstanceUid)).toContain(leftover.sopInstanceUid);
    });

    it('answers C-ECHO and receives C-STOREs; each file reaches the handler and leaves the inbox', async () => {
      stores.length = 0;
      expect(scp.port()).toBeGreaterThan(0);
      const peer = { port: scp.port(), callingAeTitle: 'MODALITY', calledAeTitle: 'NATIVE' };
      expect((await echoscu(peer)).rc).toBe(0);
      const r = await storescu(peer, [CT, MR]);
      expect(r.rc, r.output).toBe(0);
      await until(() => stores.length === 2);
      const ct = stores.find((s) => s.sopClassUid === '1.2.840.10008.5.1.4.1.1.2')!;
      expect(ct.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
      expect(readPart10(ct.bytes).dataset.Rows).toBe(128);
      expect(ct.association.listener).toBe('native');
      await until(() => filesUnder(inbox).length === 0);
    });

    it('keeps a file whose adoption failed and adopts it on a later sweep', async () => {
      stores.length = 0;
      failing = true;
      const r = await storescu({ port: scp.port(), callingAeTitle: 'MODALITY', calledAeTitle: 'NATIVE' }, [CT]);
      // DCMTK acknowledged before our handler ran: the peer sees success either way.
      expect(r.rc, r.output).toBe(0);
      await until(() => filesUnder(inbox).length === 1);
      await new Promise((res) => setTimeout(res, 300));
      expect(filesUnder(inbox)).toHaveLength(1);
      failing = false;
      await until(() => stores.length === 1);
      await until(() => filesUnder(inbox).length === 0);
    });

    it('documents the weaker conformance: any calling AE is accepted', async () => {
      const r = await echoscu({ port: scp.port(), callingAeTitle: 'STRANGER', calledAeTitle: 'NOT-NATIVE' });
      expect(r.rc).toBe(0);
    });
  });

  describe('SCU', () => {
    const work = mkdtempSync(join(tmpdir(), 'native-scu-'));
    let all: StoreScp;
    const scu = createScu('dicom-dimse-native', { log: silentLogger });

    beforeAll(async () => {
      all = await startStoreScp({ dir: join(work, 'in'), aeTitle: 'PACS', extraArgs: ['+xa'] });
    });
    afterAll(async () => {
      await all?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('echoes, and reports a refused port', async () => {
      expect(await scu.echo({ aeTitle: 'PACS', host: '127.0.0.1', port: all.port, callingAeTitle: 'NODE' })).toMatchObject({ ok: true });
      const dead = await scu.echo({ aeTitle: 'PACS', host: '127.0.0.1', port: await freePort(), callingAeTitle: 'NODE' });
      expect(dead.ok).toBe(false);
    });

    it('stores files of two transfer syntaxes; they arrive in storescp', async () => {
      const items = [item(CT), item(join(FILES, 'MR_small_RLE.dcm'))];
      const outcomes = await scu.store({ aeTitle: 'PACS', host: '127.0.0.1', port: all.port, callingAeTitle: 'NODE' }, items);
      expect(outcomes.map((o) => o.status)).toEqual([0, 0]);
      const names = filesUnder(all.dir);
      for (const i of items) expect(names.some((n) => n.endsWith(i.sopInstanceUid))).toBe(true);
    });

    it('throws TransientTransportError when nothing listens', async () => {
      const port = await freePort();
      await expect(scu.store({ aeTitle: 'PACS', host: '127.0.0.1', port, callingAeTitle: 'NODE' }, [item(CT)])).rejects.toBeInstanceOf(
        TransientTransportError,
      );
    });
  });
});
