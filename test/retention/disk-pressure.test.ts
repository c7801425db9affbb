import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { listAssociations } from '../../src/provenance/associations.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import { listBySeries } from '../../src/provenance/instances.js';
import { listRetentionRuns } from '../../src/provenance/retention-log.js';
import { listSeries } from '../../src/provenance/series.js';
import { silentLogger } from '../../src/shared/log.js';
import { storescu } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { removeDir, SAMPLES } from '../e2e/node-harness.js';
import { until, writeRetentionConfig } from './retention-config.js';

const MB = 1024 * 1024;
const CT_SERIES = readdirSync(join(SAMPLES, 'ct-lowdose-abdomen')).map((f) => join(SAMPLES, 'ct-lowdose-abdomen', f));
const MR = join(SAMPLES, 'mr-small', 'MR_small.dcm');
const CT_SMALL = join(SAMPLES, 'ct-small', 'CT_small.dcm');

const freeBytes = (p: string): number => {
  const s = statfsSync(p);
  return s.bavail * s.bsize;
};

const dir = mkdtempSync(join(tmpdir(), 'retention-pressure-'));
const vol = join(dir, 'vol');
mkdirSync(vol);
// Root may mount a tmpfs here; elsewhere the test says why it cannot run rather than pretending.
const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', vol]);
const mounted = mount.status === 0;

/**
 * The emergency purge for real on a 32 MiB tmpfs holding the data folder: a CT series (8 × 513 KiB,
 * rendered to 8 × 768 KiB, delivered to a folder on another volume) and an MR object whose
 * delivery died. A filler takes the free space under startBelowFreeMb (but above
 * limits.minFreeDiskMb): within the cleaner's 5-second check the oldest delivered data goes, the
 * undelivered MR stays, and the node never refuses a study.
 */
describe.skipIf(!mounted)(`emergency purge on a small tmpfs${mounted ? '' : ` (skipped: cannot mount a tmpfs: ${String(mount.stderr).trim()})`}`, () => {
  let node: RunningNode;
  let port: number;
  const filler = join(vol, 'filler.bin');

  beforeAll(async () => {
    port = await freePort();
    writeRetentionConfig(dir, {
      port,
      dataDir: './vol/var',
      outDir: './out',
      downPort: await freePort(),
      minFreeDiskMb: 4,
      retentionYaml: '  intervalMinutes: 600\n  emergency: { enabled: true, startBelowFreeMb: 12, purgeUntilFreeMb: 16, include: [originals, derived] }',
    });
    node = await startNode({ configDir: dir, log: silentLogger });
    for (const files of [CT_SERIES, [MR]]) {
      const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
      expect(sent.rc, sent.output).toBe(0);
    }
    await until('8 CT objects delivered and the MR delivery dead', () => {
      const d = listDeliveries(node.db);
      return d.filter((r) => r.destination === 'out' && r.state === 'done').length === 8 && d.some((r) => r.destination === 'down' && r.state === 'dead');
    });
  });

  afterAll(async () => {
    await node?.stop();
    spawnSync('umount', ['-l', vol]);
    removeDir(dir);
  });

  it('purges the oldest delivered data before the node refuses studies, and keeps what is undelivered', async () => {
    const before = freeBytes(vol);
    expect(before).toBeGreaterThan(12 * MB); // nothing to do yet
    expect(listRetentionRuns(node.db)).toEqual([]);
    const ct = listSeries(node.db).find((s) => s.modality === 'CT')!;
    const mr = listSeries(node.db).find((s) => s.modality === 'MR')!;
    const ctFiles = listBySeries(node.db, ct.seriesUid).map((i) => i.path);

    // 10 MiB free: under startBelowFreeMb (12), above limits.minFreeDiskMb (4).
    writeFileSync(filler, Buffer.alloc(before - 10 * MB));
    const low = freeBytes(vol);
    expect(low).toBeLessThan(12 * MB);
    expect(low).toBeGreaterThan(4 * MB);

    const run = await until('an emergency run', () => listRetentionRuns(node.db).find((r) => r.mode === 'emergency' && r.finishedAt !== null), 20_000);
    expect(run.error).toBeNull();
    // 6 MiB wanted: the CT's derived series (6 MiB) or its originals and derived objects, oldest first.
    expect(run.bytes).toBeGreaterThanOrEqual(6 * MB);
    expect(run.freeBytesAfter!).toBeGreaterThanOrEqual(16 * MB - 64 * 1024);
    const reasons = node.db.prepare('SELECT folder, reason FROM retention_purges WHERE run_id = ?').all(run.id) as Array<{ folder: string; reason: string }>;
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r.reason === 'disk-pressure' && (r.folder === 'originals' || r.folder === 'derived'))).toBe(true);
    if (reasons.some((r) => r.folder === 'originals')) for (const f of ctFiles) expect(existsSync(f)).toBe(false);

    // The undelivered MR object stays; the node kept accepting studies.
    for (const i of listBySeries(node.db, mr.seriesUid)) expect(existsSync(i.path)).toBe(true);
    expect(listAssociations(node.db, { outcome: 'rejected' })).toEqual([]);
    const again = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [CT_SMALL]);
    expect(again.rc, again.output).toBe(0);
    unlinkSync(filler);
  });
});
