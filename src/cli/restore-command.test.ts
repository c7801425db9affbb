import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../provenance/database.js';
import { createBackup } from './backup-command.js';
import { restoreBackup } from './restore-command.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const EMBEDDED = resolve(import.meta.dirname, '../../model/embedded/manifest.yaml');
const RULES = 'rules:\n  - { name: default, default: true, actions: { drop: true } }\n';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'restore-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A release's config folder with a node.yaml to extend, and a site folder whose node.yaml extends it. */
function siteExtendingRelease(): string {
  mkdirSync(join(work, 'release/config'), { recursive: true });
  writeFileSync(
    join(work, 'release/config/node.yaml'),
    `node: { aeTitle: BASE, dataDir: ../var }
destinations:
  exports: { kind: folder, path: ../exports }
models:
  embedded: { manifest: ${EMBEDDED} }
  gone: { manifest: ../model/gone/manifest.yaml }
presets:
  fast: { model: embedded, steps: 4, seed: 7 }
api: { port: 0 }
`,
  );
  mkdirSync(join(work, 'site'));
  writeFileSync(join(work, 'site/node.yaml'), 'extends: ../release/config/node.yaml\nnode: { aeTitle: SITE, dataDir: ./data }\n');
  writeFileSync(join(work, 'site/rules.yaml'), RULES);
  openDatabase(join(work, 'site/data/provenance.sqlite')).close();
  return join(work, 'site');
}

describe('backup and restore of a node.yaml that extends the release\'s', () => {
  it('keeps the extended file in the backup and restores it, paths as they were, when the release is gone', async () => {
    const site = siteExtendingRelease();
    const m = await createBackup({ config: loadConfig(site), dir: join(work, 'backup') });
    expect(m.extendsBase).toMatchObject({ path: join(work, 'release/config/node.yaml'), copy: 'config/extends-base.yaml' });
    // A model whose manifest is missing is recorded, not fatal.
    expect(m.models.find((x) => x.id === 'gone')).toMatchObject({ file: null, fileSha256: null });

    rmSync(join(work, 'release'), { recursive: true });
    const report = await restoreBackup({ backupDir: join(work, 'backup'), configDir: join(work, 'etc'), dataDir: join(work, 'data2') });
    expect(report.configProblem).toBeUndefined();
    expect(report.warnings).toEqual([
      expect.stringMatching(/^model gone: its manifest .*gone\/manifest\.yaml was unreadable/),
      `node.yaml extends ${join(work, 'release/config/node.yaml')}, which is missing: restored its backed-up copy as ${join(work, 'etc/extends-base.yaml')}`,
    ]);
    const restored = loadConfig(join(work, 'etc'));
    expect(restored.node).toMatchObject({ aeTitle: 'SITE', dataDir: join(work, 'data2') });
    expect(restored.models.embedded!.manifest).toBe(EMBEDDED);
    expect(restored.models.gone!.manifest).toBe(join(work, 'release/model/gone/manifest.yaml'));
    expect(restored.destinations.exports).toMatchObject({ path: join(work, 'release/exports') });
    expect(parse(readFileSync(join(work, 'etc/node.yaml'), 'utf8')).extends).toBe(join(work, 'etc/extends-base.yaml'));
  });

  it('keeps a changed extended file (a newer release) and says so', async () => {
    const site = siteExtendingRelease();
    await createBackup({ config: loadConfig(site), dir: join(work, 'backup') });
    writeFileSync(join(work, 'release/config/node.yaml'), `${readFileSync(join(work, 'release/config/node.yaml'), 'utf8')}limits: { minFreeDiskMb: 1 }\n`);
    const report = await restoreBackup({ backupDir: join(work, 'backup'), configDir: join(work, 'etc'), dataDir: join(work, 'data2') });
    expect(report.warnings).toContain(`node.yaml extends ${join(work, 'release/config/node.yaml')}, which has changed since the backup (another release?): kept as it is`);
    expect(parse(readFileSync(join(work, 'etc/node.yaml'), 'utf8')).extends).toBe(join(work, 'release/config/node.yaml'));
    expect(loadConfig(join(work, 'etc')).limits.minFreeDiskMb).toBe(1);
  });
});
